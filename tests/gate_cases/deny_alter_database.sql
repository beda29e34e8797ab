-- role: codex_staging
-- expect: role-allowlist
-- ALTER DATABASE names no granted schema
ALTER DATABASE postgres SET search_path = vh;
