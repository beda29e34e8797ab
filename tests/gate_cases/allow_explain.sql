-- role: codex_staging
-- expect: none
-- plain EXPLAIN plans, runs nothing
EXPLAIN SELECT * FROM eng.projects;
