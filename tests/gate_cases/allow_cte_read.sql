-- role: codex_staging
-- expect: none
-- a CTE name is not a table
WITH recent AS (SELECT * FROM eng.projects) SELECT * FROM recent;
