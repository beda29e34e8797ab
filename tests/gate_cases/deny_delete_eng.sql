-- role: codex_staging
-- expect: role-allowlist
-- no delete grant
DELETE FROM eng.projects WHERE id = 1;
