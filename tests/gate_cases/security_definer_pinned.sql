-- role: ehg_admin
-- expect: none
-- SECURITY DEFINER with SET search_path
CREATE FUNCTION eng.bump() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
