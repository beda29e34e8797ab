-- role: codex_staging
-- expect: role-allowlist
-- LOAD a library
LOAD 'plpgsql';
