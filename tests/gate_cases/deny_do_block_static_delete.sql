-- role: codex_staging
-- expect: role-allowlist
-- a DO block whose static SQL deletes
DO $$ DECLARE n int; BEGIN IF n > 0 THEN DELETE FROM eng.projects WHERE id = n; END IF; END $$;
