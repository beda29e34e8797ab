-- role: codex_staging
-- expect: none
-- a set_config() that is all its statement does is followed like SET: pg_catalog is
-- searched first, so the built-in lower() is the one called
SELECT set_config('search_path', 'eng', false);
SELECT lower(name) FROM projects;
