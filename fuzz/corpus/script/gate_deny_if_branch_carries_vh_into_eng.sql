-- role: codex_staging
-- expect: cross-boundary-write
-- whether the UPDATE runs says whether vh.tasks has an open task: one bit of vh
-- per branch, repeated at will
SELECT count(*) > 0 AS any_open FROM vh.tasks WHERE NOT done \gset
\if :any_open
UPDATE eng.projects SET name = 'bit' WHERE id = 1;
\endif
