-- role: codex_staging
-- expect: role-allowlist
-- no maintenance
VACUUM eng.projects;
