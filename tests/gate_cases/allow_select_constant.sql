-- role: codex_staging
-- expect: none
-- a SELECT without tables
SELECT 1, now();
