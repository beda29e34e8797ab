-- role: codex_staging
-- expect: transaction-control
-- ordinary session settings and transactions
BEGIN; SET LOCAL lock_timeout = '5s'; SET statement_timeout = '1min'; SET application_name = 'codex'; COMMIT;
