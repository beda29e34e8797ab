SELECT * FROM eng.projects;
INSERT INTO eng.projects (name) VALUES (1);
