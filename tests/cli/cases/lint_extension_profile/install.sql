SET search_path = app, pg_temp;
CREATE OR REPLACE FUNCTION app.f() RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
