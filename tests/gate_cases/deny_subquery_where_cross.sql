-- role: codex_staging
-- expect: cross-boundary-write
-- a subquery in WHERE
UPDATE eng.projects SET name = 'x' WHERE id IN (SELECT id FROM vh.tasks);
