-- role: codex_staging
-- expect: unproven
-- DO blocks cannot be proven
DO $$ BEGIN EXECUTE 'DROP TABLE eng.projects'; END $$;
