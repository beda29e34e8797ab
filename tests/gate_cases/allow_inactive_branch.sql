-- role: codex_staging
-- expect: none
-- a statically false \if branch is never sent
\if false
DELETE FROM eng.projects;
\endif
SELECT 1;
