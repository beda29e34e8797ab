-- role: codex_staging
-- expect: role-allowlist
-- PREPARE then EXECUTE
PREPARE p AS DELETE FROM eng.projects; EXECUTE p;
