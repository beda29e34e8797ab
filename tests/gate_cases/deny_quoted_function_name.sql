-- role: codex_staging
-- expect: unproven
-- a dangerous built-in as a quoted identifier
SELECT "pg_read_file"('/etc/passwd');
