-- role: codex_staging
-- expect: none
-- savepoints and SET LOCAL search_path to eng, in a file-level transaction
BEGIN; SAVEPOINT a; SET LOCAL search_path TO eng; UPDATE projects SET name = 'x' WHERE id = 1; RELEASE SAVEPOINT a; COMMIT;
