-- role: codex_staging
-- expect: role-allowlist
-- no grant on views
INSERT INTO views.project_tasks VALUES ('p', 's', false);
