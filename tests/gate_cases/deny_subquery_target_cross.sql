-- role: codex_staging
-- expect: cross-boundary-write
-- a subquery in the target list
UPDATE eng.projects SET name = (SELECT summary FROM vh.tasks LIMIT 1);
