-- role: codex_staging
-- expect: unproven
-- a sequence named at run time
SELECT nextval(name) FROM eng.projects;
