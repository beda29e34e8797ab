CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1; -- ;
END;
$$;
DO $body$ BEGIN RAISE NOTICE 'a;b $$ c'; END $body$;
SELECT $a$ $b$ ; $b$ $a$, $_1$x$_1$;
