-- role: codex_staging
-- expect: none
-- row locks on eng
SELECT * FROM eng.projects WHERE id = 1 FOR UPDATE;
