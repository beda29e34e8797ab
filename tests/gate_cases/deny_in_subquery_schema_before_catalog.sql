-- role: codex_staging
-- expect: unproven
-- x IN (SELECT ...) compares with an = found on search_path
SET search_path = eng, pg_catalog;
SELECT name FROM eng.projects WHERE id IN (SELECT id FROM eng.projects);
