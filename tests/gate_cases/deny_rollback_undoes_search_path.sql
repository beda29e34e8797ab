-- role: codex_staging
-- expect: role-allowlist transaction-control
-- ROLLBACK undoes a SET inside the transaction
SET search_path = vh; BEGIN; SET search_path = eng; ROLLBACK; UPDATE tasks SET done = true;
