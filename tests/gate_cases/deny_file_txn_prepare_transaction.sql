-- role: codex_staging
-- expect: transaction-control
-- PREPARE TRANSACTION instead of COMMIT: not a file-level transaction
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
PREPARE TRANSACTION 'x';
