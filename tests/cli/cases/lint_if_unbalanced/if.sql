\if true
SELECT 1;
\else
SELECT 2;
\else
\endif
\endif
\elif yes
\if maybe
SELECT 3;
