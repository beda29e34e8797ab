-- role: codex_staging
-- expect: role-allowlist
-- indexes are DDL
CREATE INDEX CONCURRENTLY ON eng.projects (name);
