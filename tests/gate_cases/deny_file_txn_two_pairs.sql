-- role: codex_staging
-- expect: transaction-control
-- two BEGIN ... COMMIT pairs: the first COMMIT would end apply's transaction
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
