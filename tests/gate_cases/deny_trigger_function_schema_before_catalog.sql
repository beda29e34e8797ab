-- role: eng_service
-- expect: unproven
-- a trigger's function named without a schema is looked up on search_path when the
-- trigger is created: vh before pg_catalog could hold a better match
SET search_path = vh, pg_catalog, eng;
CREATE TRIGGER t AFTER INSERT ON eng.projects FOR EACH ROW EXECUTE FUNCTION audit();
