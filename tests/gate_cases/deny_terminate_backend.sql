-- role: codex_staging
-- expect: role-allowlist
-- signalling backends
SELECT pg_terminate_backend(pid) FROM pg_stat_activity;
