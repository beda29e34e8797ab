-- role: ehg_admin
-- expect: cross-boundary-write
-- eng_stage and vh_mirror belong to the families by pattern
INSERT INTO vh_mirror.projects (name) SELECT name FROM eng_stage.projects;
