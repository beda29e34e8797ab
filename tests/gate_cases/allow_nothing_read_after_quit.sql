-- role: codex_staging
-- expect: none
-- psql stops at \quit: what follows never runs, so it is neither read nor denied
-- (apply stops at the same place: tests/pg/apply_test.py)
SELECT name FROM eng.projects WHERE id = 1;
\quit
DROP TABLE eng.projects;
