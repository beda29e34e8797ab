-- role: codex_staging
-- expect: unproven
-- the value could be pg_settings, which pg_catalog (searched first) has: an UPDATE
-- the gate read as one of eng would change settings
SET search_path = eng;
SELECT 'pg_settings' AS t \gset
UPDATE :"t" SET name = 'x' WHERE false;
