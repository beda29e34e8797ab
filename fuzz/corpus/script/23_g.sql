SELECT 1 \g
SELECT 2
\g out.txt
SELECT 3 \g (format=csv)
SELECT 4 \gx
