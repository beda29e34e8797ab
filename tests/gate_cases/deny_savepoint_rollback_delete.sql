-- role: codex_staging
-- expect: role-allowlist
-- a DELETE rolled back to a savepoint still runs
BEGIN; SAVEPOINT s; DELETE FROM eng.projects; ROLLBACK TO SAVEPOINT s; COMMIT;
