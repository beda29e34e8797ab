-- role: codex_staging
-- expect: role-allowlist
-- ALTER ... OWNER is DDL
ALTER TABLE eng.projects OWNER TO codex_staging;
