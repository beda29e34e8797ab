CREATE SCHEMA myext_private;
CREATE SCHEMA IF NOT EXISTS shared;
SET search_path = @extschema@, myext_private, pg_temp;
SET search_path = pg_catalog, shared, pg_temp;
SET search_path = app, pg_temp;
SET search_path TO 'pg_catalog, pg_temp';
CREATE FUNCTION @extschema@.g() RETURNS int LANGUAGE sql
SET search_path = @extschema@, app, pg_temp AS $$ SELECT 1 $$;
