-- role: codex_staging
-- expect: role-allowlist
-- no DDL: DROP
DROP TABLE eng.projects;
