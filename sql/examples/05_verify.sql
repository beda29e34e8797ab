-- Verification (codex_staging): the evidence the staging audit trail asks for,
-- checked at run time: apply stops (exit 3) if a check fails.
SELECT current_database(), current_user;
SHOW row_security;
SELECT count(*) AS unlinked FROM eng.projects WHERE directive_id IS NULL \gset
SELECT count(*) AS mixed_case FROM eng.strategic_directives WHERE status <> lower(status) \gset
\echo verify: :unlinked projects without a directive, :mixed_case statuses not normalised
SELECT (:'unlinked'::bigint + :'mixed_case'::bigint) = 0 AS all_clean \gset
\if :all_clean
\echo verify: backfill and hydration complete
\else
\echo verify: FAILED
SELECT 1 / 0 AS verification_failed;
\endif
