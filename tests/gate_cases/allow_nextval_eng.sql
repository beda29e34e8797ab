-- role: codex_staging
-- expect: none
-- nextval on an eng sequence inside an eng insert
INSERT INTO eng.projects (id, name) VALUES (nextval('eng.projects_id_seq'), 'x');
