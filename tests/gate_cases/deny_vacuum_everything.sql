-- role: codex_staging
-- expect: role-allowlist
-- VACUUM without a table
VACUUM;
