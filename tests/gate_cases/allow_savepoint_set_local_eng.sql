-- role: codex_staging
-- expect: transaction-control
-- savepoints and SET LOCAL search_path to eng
BEGIN; SAVEPOINT a; SET LOCAL search_path TO eng; UPDATE projects SET name = 'x' WHERE id = 1; RELEASE SAVEPOINT a; COMMIT;
