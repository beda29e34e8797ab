-- role: codex_staging
-- expect: cross-boundary-write
-- a subquery in RETURNING
INSERT INTO eng.projects (name) VALUES ('x') RETURNING (SELECT count(*) FROM vh.tasks);
