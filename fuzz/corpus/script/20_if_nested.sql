\if true
 \if false
  SELECT 1;
 \elif true
  \if yes
   SELECT 2;
  \endif
 \else
  SELECT 3;
 \endif
\endif
