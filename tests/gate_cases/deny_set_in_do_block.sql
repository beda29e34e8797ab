-- role: codex_staging
-- expect: unproven
-- a SET inside a body is a route the session model does not follow
DO $$ BEGIN SET search_path = vh; END $$;
