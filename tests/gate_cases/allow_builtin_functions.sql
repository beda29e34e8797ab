-- role: codex_staging
-- expect: none
-- pg_catalog built-ins
SELECT lower(name), now(), pg_catalog.upper(name) FROM eng.projects;
