-- role: codex_staging
-- expect: no-identity-change
-- GRANT a role
GRANT ehg_admin TO codex_staging;
