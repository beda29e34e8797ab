-- role: codex_staging
-- expect: role-allowlist
-- pg_settings is looked up in pg_catalog before eng: an UPDATE changes settings
SET search_path = eng;
UPDATE pg_settings SET setting = 'vh' WHERE name = 'search_path';
