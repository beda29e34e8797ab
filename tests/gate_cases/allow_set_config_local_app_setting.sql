-- role: codex_staging
-- expect: none
-- set_config(name, v, true) is what SET LOCAL name = v is
SELECT set_config('app.batch', id::text, true) FROM eng.projects WHERE id = 1;
