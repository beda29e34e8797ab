\set a 1
SELECT :a;
/* c
 */ SELECT 'x
y';
\if true
SELECT 2;
\endif
COPY t FROM STDIN;
1
\.
