-- role: codex_staging
-- expect: role-allowlist
-- set_config is a configuration change
SELECT set_config('search_path', 'vh', false);
