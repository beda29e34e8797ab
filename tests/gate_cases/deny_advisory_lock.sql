-- role: codex_staging
-- expect: unproven
-- advisory locks reach other sessions
SELECT pg_advisory_lock(1);
