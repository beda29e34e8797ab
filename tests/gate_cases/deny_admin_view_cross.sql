-- role: ehg_admin
-- expect: cross-boundary-write
-- a view in eng reading vh
CREATE VIEW eng.v AS SELECT * FROM vh.tasks;
