-- role: codex_staging
-- expect: cross-boundary-write
-- U&"\0076\0068" is the schema vh
INSERT INTO eng.projects (name) SELECT summary FROM U&"\0076\0068".tasks;
