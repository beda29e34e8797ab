-- role: codex_staging
-- expect: role-allowlist
-- vh is read-only for codex
UPDATE vh.tasks SET done = true;
