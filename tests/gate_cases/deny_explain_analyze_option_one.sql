-- role: codex_staging
-- expect: role-allowlist
-- ANALYZE 1 in the option list is ANALYZE true: the DELETE runs
EXPLAIN (FORMAT json, ANALYZE 1) DELETE FROM eng.projects WHERE id = 1;
