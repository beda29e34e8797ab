-- role: codex_staging
-- expect: transaction-control
-- an \if on a run-time value chooses between COMMIT and more statements
SELECT count(*) > 1 AS many FROM eng.projects \gset
BEGIN;
UPDATE eng.projects SET name = 'x' WHERE id = 1;
\if :many
COMMIT;
\else
UPDATE eng.projects SET name = 'x' WHERE id = 1;
COMMIT;
\endif
