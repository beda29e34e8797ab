-- role: codex_staging
-- expect: role-allowlist
-- ROLLBACK TO SAVEPOINT undoes SET search_path = eng: tasks is vh.tasks
BEGIN;
SET search_path = vh;
SAVEPOINT s;
SET search_path = eng;
ROLLBACK TO SAVEPOINT s;
UPDATE tasks SET done = true;
COMMIT;
