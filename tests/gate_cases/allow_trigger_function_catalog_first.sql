-- role: eng_service
-- expect: none
-- with pg_catalog first (not listed) and eng the only other schema, the trigger's
-- function named without a schema cannot be found anywhere the policy does not name
SET search_path = eng;
CREATE TRIGGER t AFTER INSERT ON eng.projects FOR EACH ROW EXECUTE FUNCTION audit();
