-- role: codex_staging
-- expect: unproven
SELECT 1 FROM eng.projects;
UPDATE eng.projects SET name = 'x' WHERE id = :ROW_COUNT;
