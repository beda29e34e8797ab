-- role: codex_staging
-- expect: role-allowlist
-- DDL that names no schema
CREATE EXTENSION IF NOT EXISTS dblink;
