-- role: codex_staging
-- expect: unproven
-- public before pg_catalog: an unqualified lower() may be public.lower()
SET search_path = public, pg_catalog;
SELECT lower(name) FROM eng.projects;
