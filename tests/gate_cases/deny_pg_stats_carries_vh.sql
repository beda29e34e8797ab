-- role: codex_staging
-- expect: unproven
-- column statistics hold values of vh's rows
INSERT INTO eng.projects (name) SELECT most_common_vals::text FROM pg_stats WHERE schemaname = 'vh';
