-- role: codex_staging
-- expect: transaction-control
-- COMMIT AND CHAIN ends SET LOCAL: search_path is eng again for the UPDATE
SET search_path = eng;
BEGIN;
SET LOCAL search_path = vh;
COMMIT AND CHAIN;
UPDATE projects SET name = 'x' WHERE id = 1;
COMMIT;
