-- role: codex_staging
-- expect: cross-boundary-write
-- writes eng while reading vh
INSERT INTO eng.projects (name) SELECT summary FROM vh.tasks;
