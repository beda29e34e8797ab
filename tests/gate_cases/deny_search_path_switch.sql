-- role: codex_staging
-- expect: role-allowlist
-- search_path moves unqualified writes to vh
SET search_path = vh; UPDATE tasks SET done = true;
