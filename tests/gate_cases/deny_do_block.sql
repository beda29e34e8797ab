-- role: codex_staging
-- expect: role-allowlist unproven
-- EXECUTE in a DO block cannot be proven (dynamic SQL); a constant string is still
-- read, so what it would do is judged too (here: ddl the role lacks)
DO $$ BEGIN EXECUTE 'DROP TABLE eng.projects'; END $$;
