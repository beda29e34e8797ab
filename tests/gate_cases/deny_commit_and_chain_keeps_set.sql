-- role: codex_staging
-- expect: role-allowlist transaction-control
-- a plain SET survives COMMIT AND CHAIN: tasks is vh.tasks, which codex may only read
BEGIN;
SET search_path = vh;
COMMIT AND CHAIN;
UPDATE tasks SET done = true;
COMMIT;
