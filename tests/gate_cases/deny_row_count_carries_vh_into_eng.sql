-- role: codex_staging
-- expect: cross-boundary-write
-- ROW_COUNT is a value of the last result: here how many vh tasks are open
SELECT 1 FROM vh.tasks WHERE NOT done;
UPDATE eng.projects SET name = :'ROW_COUNT' WHERE id = 1;
