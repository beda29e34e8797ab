-- role: codex_staging
-- expect: transaction-control unproven unsupported-meta-command
-- \gexec would run a COMMIT the gate never sees
BEGIN;
SELECT 'COMMIT' \gexec
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
