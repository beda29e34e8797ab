-- role: codex_staging
-- expect: cross-boundary-write
-- a CTE named tasks does not hide the qualified vh.tasks
WITH tasks AS (SELECT 'x'::text AS summary) INSERT INTO eng.projects (name) SELECT summary FROM vh.tasks;
