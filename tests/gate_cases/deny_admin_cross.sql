-- role: ehg_admin
-- expect: cross-boundary-write
-- isolation binds the administrator too
INSERT INTO vh.tasks (project_ref, summary) SELECT name, name FROM eng.projects;
