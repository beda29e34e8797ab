-- role: codex_staging
-- expect: none
-- allowlisted function
INSERT INTO eng.projects (name) SELECT public.gen_random_uuid()::text;
