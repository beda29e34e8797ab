-- role: codex_staging
-- expect: role-allowlist
-- renames are DDL
ALTER TABLE eng.projects RENAME TO projects_old;
