INSERT INTO eng.projects (name) VALUES (1);
