-- role: codex_staging
-- expect: transaction-control
-- ROLLBACK at the end: the file undoes itself; not a file-level transaction
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
ROLLBACK;
