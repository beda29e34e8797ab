-- role: codex_staging
-- expect: unproven
-- CALL of a procedure not allowlisted
CALL eng.rebuild();
