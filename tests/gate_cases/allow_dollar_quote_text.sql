-- role: codex_staging
-- expect: none
-- a DELETE inside a dollar-quoted string is data
SELECT $q$; DELETE FROM eng.projects; $q$ AS note;
