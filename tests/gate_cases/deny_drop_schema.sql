-- role: codex_staging
-- expect: role-allowlist
-- no DDL: DROP SCHEMA
DROP SCHEMA vh CASCADE;
