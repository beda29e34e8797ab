-- role: codex_staging
-- expect: no-identity-change
-- SET ROLE
SET ROLE ehg_admin;
