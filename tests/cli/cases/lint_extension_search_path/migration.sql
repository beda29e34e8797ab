SET search_path = app, pg_temp;
SET search_path TO 'pg_catalog, pg_temp';
