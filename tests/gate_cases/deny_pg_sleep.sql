-- role: codex_staging
-- expect: unproven
-- an unbounded sleep holds locks and a connection
SELECT pg_sleep(100000);
