-- role: codex_staging
-- expect: role-allowlist
-- a data-modifying CTE
WITH d AS (DELETE FROM eng.projects RETURNING id) SELECT count(*) FROM d;
