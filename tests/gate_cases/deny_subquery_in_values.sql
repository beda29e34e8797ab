-- role: codex_staging
-- expect: role-allowlist cross-boundary-write
-- a write hidden in a CTE of an INSERT; its rows flow from vh into eng
WITH x AS (UPDATE vh.tasks SET done = true RETURNING id) INSERT INTO eng.projects (name) SELECT 'n' FROM x;
