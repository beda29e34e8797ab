-- pinned: pg_catalog, a schema this script created, pg_temp last
CREATE SCHEMA safe;
SET search_path = pg_catalog, safe, pg_temp;
CREATE TABLE settings (key text PRIMARY KEY, value text);
SELECT label('%s', 1), '1'::int4, CASE key WHEN 'a' THEN 1 END FROM settings;
DO $$ BEGIN PERFORM helper(); END $$;
CREATE FUNCTION safe.f() RETURNS int LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT length('x') + 1 $$;
CREATE AGGREGATE safe.total (int) (SFUNC = int4pl, STYPE = int);
-- a set_config() that is all its statement does pins it too (SET LOCAL: the script
-- runs in one transaction)
RESET search_path;
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
SELECT now();
-- the extension's own schema is trusted too
CREATE FUNCTION @extschema@.g() RETURNS int LANGUAGE sql SET search_path = @extschema@, pg_temp
AS $$ SELECT f() + 1 FROM t $$;
