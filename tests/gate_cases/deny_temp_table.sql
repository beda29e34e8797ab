-- role: codex_staging
-- expect: role-allowlist
-- temporary tables are DDL too
CREATE TEMP TABLE scratch AS SELECT * FROM eng.projects;
