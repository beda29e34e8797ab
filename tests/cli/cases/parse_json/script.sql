-- variables from the command line
SELECT * FROM :schema.t WHERE name = :'who';
\set n 10
SELECT :n
  + 1;
SELECT 1 \; SELECT 2;
COPY t FROM stdin;
1
\.
SELECT $$
;$$ \g
