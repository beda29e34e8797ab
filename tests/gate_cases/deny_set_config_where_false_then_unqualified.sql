-- role: codex_staging
-- expect: unproven
-- a set_config() that may not run (WHERE false) changes nothing: eng still comes
-- before pg_catalog for the unqualified call after it
SET search_path = eng, pg_catalog;
SELECT pg_catalog.set_config('search_path', 'pg_catalog', false) WHERE false;
SELECT lower('A');
