-- role: eng_service
-- expect: unproven
-- eng.lower(integer) is called instead of pg_catalog.lower wherever eng comes first
-- or an integer argument fits it better
CREATE FUNCTION eng.lower(x integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;
