CREATE TABLE c (a int, b text);
COPY c (a, b) FROM STDIN;
1	one
2	two; not a statement
\.
SELECT count(*) FROM c;
copy c from stdin with (format csv);
3,"x"
\.
