-- role: codex_staging
-- expect: unproven
-- CALL of an unqualified procedure
CALL rebuild_everything();
