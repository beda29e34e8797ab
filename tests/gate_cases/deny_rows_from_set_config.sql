-- role: codex_staging
-- expect: unproven
-- set_config called from ROWS FROM in the FROM list
SELECT * FROM ROWS FROM (pg_catalog.set_config('role', 'ehg_admin', false)) AS r(v);
