-- role: ehg_admin
-- expect: cross-boundary-write
-- a trigger on eng that runs a vh function couples the families
CREATE TRIGGER sync AFTER INSERT ON eng.projects FOR EACH ROW EXECUTE FUNCTION vh.sync_task();
