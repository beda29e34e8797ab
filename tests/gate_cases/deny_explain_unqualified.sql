-- role: codex_staging
-- expect: role-allowlist
-- plain EXPLAIN names a table through search_path like any other statement
EXPLAIN SELECT * FROM tasks;
