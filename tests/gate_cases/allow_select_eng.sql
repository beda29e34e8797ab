-- role: codex_staging
-- expect: none
-- plain read of the granted family
SELECT * FROM eng.projects;
