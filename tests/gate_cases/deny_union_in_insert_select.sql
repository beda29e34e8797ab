-- role: codex_staging
-- expect: cross-boundary-write
-- the second arm of a UNION reads vh
INSERT INTO eng.projects (name) SELECT name FROM eng_archive.projects UNION SELECT summary FROM vh.tasks;
