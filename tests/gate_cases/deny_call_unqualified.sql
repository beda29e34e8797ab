-- role: codex_staging
-- expect: role-allowlist
-- CALL of an unqualified procedure
CALL rebuild_everything();
