-- role: codex_staging
-- expect: none
-- reading vh is granted
SELECT count(*) FROM vh.tasks;
