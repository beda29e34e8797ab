-- role: codex_staging
-- expect: none
-- qualified, the run-time name stays in eng
SELECT 'projects' AS t \gset
UPDATE eng.:"t" SET name = 'x' WHERE id = 1;
