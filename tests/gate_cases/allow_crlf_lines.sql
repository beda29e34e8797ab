-- role: codex_staging
-- expect: none
SELECT 1 FROM eng.projects;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
