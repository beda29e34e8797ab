-- role: codex_staging
-- expect: no-identity-change role-allowlist
-- GRANT ... ON ALL TABLES IN SCHEMA
GRANT SELECT ON ALL TABLES IN SCHEMA vh TO analyst_ro;
