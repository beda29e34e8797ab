-- role: codex_staging
-- expect: role-allowlist
-- no truncate
TRUNCATE eng.projects;
