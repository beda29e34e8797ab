-- role: codex_staging
-- expect: none
-- inline COPY data into eng is an insert
COPY eng.projects (name) FROM STDIN;
one
two
\.
