-- role: codex_staging
-- expect: unproven
SELECT set_config(name, 'x', false) FROM eng.projects;
