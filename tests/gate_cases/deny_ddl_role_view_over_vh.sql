-- role: eng_service
-- expect: cross-boundary-write role-allowlist
-- a view in eng over vh makes eng depend on vh
CREATE VIEW eng.mirror AS SELECT * FROM vh.tasks;
