-- role: codex_staging
-- expect: cross-boundary-write
-- a prepared INSERT ... SELECT from vh, then EXECUTE
PREPARE q(text) AS INSERT INTO eng.projects (name) SELECT summary FROM vh.tasks WHERE summary = $1;
EXECUTE q('a');
