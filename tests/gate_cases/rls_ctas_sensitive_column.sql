-- role: ehg_admin
-- expect: rls-required
-- CREATE TABLE AS with an output column named password
CREATE TABLE eng.pw_dump AS SELECT id, name AS password FROM eng.projects;
