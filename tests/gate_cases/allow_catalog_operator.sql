-- role: codex_staging
-- expect: none
-- OPERATOR(pg_catalog.+) is built in
SELECT 1 OPERATOR(pg_catalog.+) 1, 2 + 2 FROM eng.projects;
