-- role: codex_staging
-- expect: role-allowlist
-- with eng and vh on search_path, 'tasks' may be vh.tasks
SET search_path = eng, vh; UPDATE tasks SET done = true;
