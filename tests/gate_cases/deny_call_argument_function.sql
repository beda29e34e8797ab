-- role: codex_staging
-- expect: unproven
CALL public.uuid_generate_v4(pg_sleep(10));
