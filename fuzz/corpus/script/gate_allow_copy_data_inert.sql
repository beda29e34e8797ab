-- role: codex_staging
-- expect: none
-- data that, read as SQL, can never be a statement: numbers, words, \N
COPY eng.projects (id, name) FROM STDIN;
1	first project
2	\N
3	due 12:30
\.
SELECT count(*) FROM eng.projects;
