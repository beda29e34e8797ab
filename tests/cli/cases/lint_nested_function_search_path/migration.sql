-- Functions created when a body runs: the outer search_path does not carry over.
CREATE FUNCTION app.outer_fn() RETURNS void LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$
  CREATE FUNCTION app.inner_fn() RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$;
$$;
DO $$
BEGIN
  CREATE FUNCTION app.in_do() RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$;
  -- not reported: pinned, or LANGUAGE c
  CREATE FUNCTION app.in_do_pinned() RETURNS int LANGUAGE sql
    SET search_path = pg_catalog, pg_temp AS $f$ SELECT 1 $f$;
  CREATE FUNCTION app.in_do_c() RETURNS int LANGUAGE c AS 'myext', 'in_do_c';
  CREATE FUNCTION app.in_do_definer() RETURNS int LANGUAGE sql SECURITY DEFINER
    AS $f$ SELECT 1 $f$;
END $$;
CREATE PROCEDURE app.setup() LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  CREATE FUNCTION app.level1() RETURNS int LANGUAGE plpgsql AS $f$
  BEGIN
    CREATE PROCEDURE app.level2() LANGUAGE sql AS 'SELECT 1';
    RETURN 1;
  END $f$;
END $$;
-- a DO block inside a function: what it creates too
CREATE FUNCTION app.installer() RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DO $d$ BEGIN CREATE FUNCTION app.deep() RETURNS int LANGUAGE sql AS 'SELECT 1'; END $d$;
END $$;
