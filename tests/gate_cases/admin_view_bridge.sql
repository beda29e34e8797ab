-- role: ehg_admin
-- expect: none
-- views may read both families
CREATE VIEW views.joined AS SELECT * FROM eng.projects JOIN vh.tasks ON true;
