-- role: codex_staging
-- expect: role-allowlist
-- a second statement joined with \;
SELECT 1 \; DELETE FROM eng.projects;
