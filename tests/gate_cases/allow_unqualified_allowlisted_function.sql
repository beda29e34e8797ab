-- role: codex_staging
-- expect: none
-- an allowlisted extension function called unqualified, with search_path set to the
-- schema the policy allows it in
SET search_path = public;
INSERT INTO eng.projects (name) SELECT uuid_generate_v4()::text;
