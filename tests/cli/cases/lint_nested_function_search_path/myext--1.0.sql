-- Extension script: a DO block creates functions now, in the script's session.
CREATE SCHEMA myext_own;
DO $$
BEGIN
  CREATE OR REPLACE FUNCTION public.myext_f() RETURNS int LANGUAGE sql
    SET search_path = pg_catalog, pg_temp AS $f$ SELECT 1 $f$;
  -- not reported: a schema the script created
  CREATE OR REPLACE FUNCTION myext_own.g() RETURNS int LANGUAGE sql
    SET search_path = pg_catalog, pg_temp AS $f$ SELECT 1 $f$;
END $$;
