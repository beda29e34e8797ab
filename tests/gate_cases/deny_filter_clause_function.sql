-- role: codex_staging
-- expect: unproven
SELECT count(*) FILTER (WHERE lo_create(0) > 0) FROM eng.projects;
