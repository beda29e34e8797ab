-- role: codex_staging
-- expect: role-allowlist
-- DO blocks cannot be proven
DO $$ BEGIN EXECUTE 'DROP TABLE eng.projects'; END $$;
