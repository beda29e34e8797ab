-- role: codex_staging
-- expect: none
-- a DO block whose SQL is static and allowed
DO $$ BEGIN UPDATE eng.projects SET name = lower(name); END $$;
