-- role: codex_staging
-- expect: unproven
-- the same calls hidden in a DO block, or unqualified after the script sets a
-- search_path that reaches audit: still refused
DO $$ BEGIN PERFORM audit.pgward_finish_run('00000000-0000-4000-8000-000000000001', 'committed', NULL); END $$;
SET search_path = audit, pg_catalog;
SELECT pgward_finish_run('00000000-0000-4000-8000-000000000001', 'committed', NULL);
