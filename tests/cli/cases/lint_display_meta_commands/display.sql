\timing on
\pset format aligned
\x
\echo hi
\qecho hi
\warn hi
\conninfo
SELECT 1;
