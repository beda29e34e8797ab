-- role: codex_staging
-- expect: transaction-control
-- COMMIT AND CHAIN commits half-way: not one pair
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT AND CHAIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
