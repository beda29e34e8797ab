-- role: codex_staging
-- expect: transaction-control
-- the COMMIT comes from an included file: the pair must be the file's own
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
\ir file_txn_commit.inc
