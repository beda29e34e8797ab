-- role: codex_staging
-- expect: role-allowlist
-- SET LOCAL search_path inside a transaction
BEGIN; SET LOCAL search_path = vh; UPDATE tasks SET done = true; COMMIT;
