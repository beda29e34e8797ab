-- role: codex_staging
-- expect: none
-- built-in aggregates and window functions
SELECT count(*), max(id), row_number() OVER () FROM eng.projects GROUP BY id;
