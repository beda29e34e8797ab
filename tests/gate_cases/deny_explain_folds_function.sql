-- role: codex_staging
-- expect: unproven
-- plain EXPLAIN still runs immutable functions while planning
EXPLAIN SELECT pg_read_file('/etc/passwd');
