-- role: codex_staging
-- expect: no-identity-change
-- SET SESSION AUTHORIZATION
SET SESSION AUTHORIZATION ehg_admin;
