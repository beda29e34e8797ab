\endif
\else
\if true
SELECT 1;
\elif
\if bogus
SELECT 2;
