-- role: codex_staging
-- expect: role-allowlist
-- server file access
SELECT pg_read_file('/etc/passwd');
