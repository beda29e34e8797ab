-- role: codex_staging
-- expect: none
-- WITH RECURSIVE over eng
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT * FROM n, eng.projects;
