-- role: eng_service
-- expect: cross-boundary-write role-allowlist
CREATE TRIGGER t AFTER INSERT ON eng.projects FOR EACH ROW EXECUTE FUNCTION vh.copy_row();
