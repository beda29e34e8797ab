-- role: codex_staging
-- expect: none
-- pg_catalog searched first (not listed): built-in operators and functions
SET search_path = eng;
SELECT id + 1, lower(name) FROM projects;
