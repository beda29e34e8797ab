-- role: ehg_admin
-- expect: cross-boundary-write
-- a foreign key couples the families
CREATE TABLE eng.links (task_id bigint REFERENCES vh.tasks (id));
