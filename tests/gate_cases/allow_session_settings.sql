-- role: codex_staging
-- expect: none
-- ordinary session settings, in a file-level transaction
BEGIN; SET LOCAL lock_timeout = '5s'; SET statement_timeout = '1min'; SET application_name = 'codex'; COMMIT;
