-- role: codex_staging
-- expect: unproven
-- apply pins a restricted role's search_path to pg_catalog, pg_temp: an unqualified
-- uuid_generate_v4() resolves to no schema the policy allows it in
INSERT INTO eng.projects (name) SELECT uuid_generate_v4()::text;
