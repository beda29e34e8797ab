-- role: codex_staging
-- expect: role-allowlist no-transaction-required
-- indexes are DDL
CREATE INDEX CONCURRENTLY ON eng.projects (name);
