-- role: codex_staging
-- expect: unproven
-- JOIN ... USING compares the columns with an = found on search_path
SET search_path = eng, pg_catalog;
SELECT a.id FROM eng.projects a JOIN eng.projects b USING (id);
