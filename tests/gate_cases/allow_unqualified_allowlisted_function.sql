-- role: codex_staging
-- expect: none
-- an allowlisted extension function called unqualified
INSERT INTO eng.projects (name) SELECT uuid_generate_v4()::text;
