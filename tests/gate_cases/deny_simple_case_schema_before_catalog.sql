-- role: codex_staging
-- expect: unproven
-- a simple CASE compares with an = found on search_path, like an operator written out
SET search_path = eng, pg_catalog;
SELECT CASE id WHEN 1 THEN 'one' END FROM eng.projects;
