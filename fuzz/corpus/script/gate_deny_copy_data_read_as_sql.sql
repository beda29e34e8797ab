-- role: codex_staging
-- expect: unproven
-- the column does not exist: the server refuses the COPY and psql reads the data
-- as SQL, which here joins the SELECT after it into a DELETE
COPY eng.projects (no_such_column) FROM STDIN;
WITH d AS (DELETE FROM eng.projects RETURNING 1)
\.
SELECT 1;
