-- role: codex_staging
-- expect: transaction-control
-- a statement after the pair's COMMIT would run outside apply's transaction
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
