-- role: codex_staging
-- expect: cross-boundary-write
-- an ARRAY subquery inside a function argument in ORDER BY
INSERT INTO eng.projects (name) SELECT name FROM eng.projects ORDER BY array_length(ARRAY(SELECT id FROM vh.tasks), 1) LIMIT 1;
