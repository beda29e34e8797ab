-- role: ehg_admin
-- expect: cross-boundary-write
-- an ON DELETE CASCADE foreign key from vh to eng, added by ALTER TABLE
ALTER TABLE vh.tasks ADD CONSTRAINT tasks_project_fk FOREIGN KEY (project_id) REFERENCES eng.projects (id) ON DELETE CASCADE;
