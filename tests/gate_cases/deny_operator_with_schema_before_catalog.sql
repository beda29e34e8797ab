-- role: codex_staging
-- expect: unproven
-- operators resolve through search_path like functions
SET search_path = eng, pg_catalog;
SELECT id + 1 FROM eng.projects;
