-- role: codex_staging
-- expect: unproven
-- the function name comes from a psql variable
\set f pg_read_file
SELECT :f('/etc/passwd');
