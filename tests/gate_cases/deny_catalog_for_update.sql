-- role: codex_staging
-- expect: role-allowlist
-- locking catalog rows is not a read
SELECT * FROM pg_catalog.pg_class FOR UPDATE;
