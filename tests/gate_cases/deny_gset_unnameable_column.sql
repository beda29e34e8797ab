-- role: codex_staging
-- expect: unproven
-- a column pgward cannot name exactly: every variable may be set
SELECT * FROM eng.projects LIMIT 1 \gset
SELECT 1 WHERE :whatever IS NULL;
