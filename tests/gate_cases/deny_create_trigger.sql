-- role: codex_staging
-- expect: role-allowlist
-- triggers are DDL
CREATE TRIGGER t AFTER INSERT ON eng.projects FOR EACH ROW EXECUTE FUNCTION eng.audit();
