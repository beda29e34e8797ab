-- role: codex_staging
-- expect: transaction-control
-- a COMMIT spelled by a variable is not the pair's
\set c COMMIT
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
:c;
