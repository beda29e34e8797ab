-- role: codex_staging
-- expect: role-allowlist
-- SELECT INTO creates a table
SELECT * INTO eng.copy FROM eng.projects;
