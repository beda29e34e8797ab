-- role: codex_staging
-- expect: none
-- FOR UPDATE OF names an alias, not a table
SELECT * FROM eng.projects p WHERE id = 1 FOR UPDATE OF p;
