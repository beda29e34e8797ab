-- role: codex_staging
-- expect: none
-- insert into eng
INSERT INTO eng.projects (name) VALUES ('x');
