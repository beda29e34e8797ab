-- role: ehg_admin
-- expect: none
-- a function in eng that reads eng
CREATE FUNCTION eng.n() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM eng.projects); END $$;
