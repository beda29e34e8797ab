-- role: codex_staging
-- expect: unproven
SELECT set_config('role', 'ehg_admin', false);
