-- role: codex_staging
-- expect: cross-boundary-write
-- a DO block that carries vh data into eng
DO $$ BEGIN INSERT INTO eng.projects (name) SELECT summary FROM vh.tasks; END $$;
