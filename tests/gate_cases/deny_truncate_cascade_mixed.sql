-- role: codex_staging
-- expect: role-allowlist
-- TRUNCATE ... CASCADE over both families
TRUNCATE ONLY eng.projects, vh.tasks RESTART IDENTITY CASCADE;
