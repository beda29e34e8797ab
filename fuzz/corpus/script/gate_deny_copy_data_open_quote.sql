-- role: codex_staging
-- expect: unproven
-- read as SQL, the quote in the data opens a string that swallows what follows
COPY eng.projects (no_such_column) FROM STDIN;
1	'
\.
SELECT 1; -- ' ; DELETE FROM eng.projects; --
