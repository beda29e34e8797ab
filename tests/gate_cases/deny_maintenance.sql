-- role: codex_staging
-- expect: role-allowlist no-transaction-required
-- no maintenance
VACUUM eng.projects;
