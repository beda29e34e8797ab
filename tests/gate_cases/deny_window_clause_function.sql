-- role: codex_staging
-- expect: unproven
SELECT row_number() OVER (ORDER BY pg_sleep(1)) FROM eng.projects;
