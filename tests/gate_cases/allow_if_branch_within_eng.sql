-- role: codex_staging
-- expect: none
-- a branch decided by eng data, writing eng: nothing crosses
SELECT count(*) > 0 AS any FROM eng.projects \gset
\if :any
UPDATE eng.projects SET name = 'seen' WHERE id = 1;
\endif
