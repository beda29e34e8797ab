\
SELECT 1 \
\\
\;
