-- role: codex_staging
-- expect: role-allowlist
-- the function name comes from a psql variable
\set f pg_read_file
SELECT :f('/etc/passwd');
