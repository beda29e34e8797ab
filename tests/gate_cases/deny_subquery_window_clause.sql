-- role: codex_staging
-- expect: cross-boundary-write
-- EXISTS inside CASE inside a named WINDOW's PARTITION BY
INSERT INTO eng.projects (name) SELECT first_value(name) OVER w FROM eng.projects WINDOW w AS (PARTITION BY CASE WHEN EXISTS (SELECT 1 FROM vh.tasks) THEN 1 END ORDER BY id);
