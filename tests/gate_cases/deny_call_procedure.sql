-- role: codex_staging
-- expect: role-allowlist
-- CALL of a procedure not allowlisted
CALL eng.rebuild();
