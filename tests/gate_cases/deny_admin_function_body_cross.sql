-- role: ehg_admin
-- expect: cross-boundary-write
-- a function in eng whose body reads vh couples the families
CREATE FUNCTION eng.count_tasks() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM vh.tasks); END $$;
