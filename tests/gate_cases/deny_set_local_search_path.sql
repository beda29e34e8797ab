-- role: codex_staging
-- expect: role-allowlist transaction-control
-- SET LOCAL search_path inside a transaction
BEGIN; SET LOCAL search_path = vh; UPDATE tasks SET done = true; COMMIT;
