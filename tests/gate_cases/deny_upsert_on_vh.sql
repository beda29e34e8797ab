-- role: codex_staging
-- expect: role-allowlist
-- ON CONFLICT DO UPDATE on vh
INSERT INTO vh.tasks (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET done = true;
