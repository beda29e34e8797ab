-- role: codex_staging
-- expect: none
-- a file-level transaction: one BEGIN ... COMMIT around everything, a meta-command that runs nothing before it
\set ON_ERROR_STOP on
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
SAVEPOINT s;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
RELEASE SAVEPOINT s;
COMMIT;
