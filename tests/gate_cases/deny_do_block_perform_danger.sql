-- role: codex_staging
-- expect: unproven
-- PERFORM of a dangerous built-in
DO $$ BEGIN PERFORM pg_terminate_backend(1); END $$;
