-- role: codex_staging
-- expect: transaction-control
-- a BEGIN inside a DO body is a block, not a transaction: the COMMIT ends apply's
DO $$ BEGIN PERFORM 1; END $$;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
