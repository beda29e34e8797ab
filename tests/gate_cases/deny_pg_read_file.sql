-- role: codex_staging
-- expect: unproven
-- server file access
SELECT pg_read_file('/etc/passwd');
