SELECT 1,
\set a 5
  2;
SELECT
\if true
  3
\else
  4
\endif
;
