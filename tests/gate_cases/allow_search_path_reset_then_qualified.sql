-- role: codex_staging
-- expect: none
-- qualified names do not depend on search_path
SET search_path = eng, vh; UPDATE eng.projects SET name = 'n' WHERE id = 1;
