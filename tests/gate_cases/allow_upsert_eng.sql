-- role: codex_staging
-- expect: none
-- ON CONFLICT DO UPDATE needs insert and update: granted on eng
INSERT INTO eng.projects (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = excluded.name;
