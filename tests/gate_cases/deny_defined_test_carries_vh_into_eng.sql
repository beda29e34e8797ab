-- role: codex_staging
-- expect: cross-boundary-write
-- whether \gset set s depends on whether the query found a row: :{?s} is a run-time
-- value, and the branch it decides carries one bit of vh into eng
SELECT summary AS s FROM vh.tasks WHERE id = 1 \gset
\if :{?s}
UPDATE eng.projects SET name = 'bit' WHERE id = 1;
\endif
