-- role: codex_staging
-- expect: role-allowlist no-transaction-required
-- VACUUM without a table
VACUUM;
