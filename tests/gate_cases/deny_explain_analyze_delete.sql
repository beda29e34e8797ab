-- role: codex_staging
-- expect: role-allowlist
-- EXPLAIN ANALYZE runs the DELETE
EXPLAIN ANALYZE DELETE FROM eng.projects;
