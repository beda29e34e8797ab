-- role: codex_staging
-- expect: role-allowlist
-- an \if on a run-time value: every branch is checked
SELECT count(*) > 0 AS any FROM eng.projects \gset
\if :any
SELECT 1;
\else
DELETE FROM eng.projects;
\endif
