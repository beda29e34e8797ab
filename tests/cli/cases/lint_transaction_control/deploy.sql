BEGIN;
SAVEPOINT before_delete;
DELETE FROM eng.projects WHERE id = 1;
ROLLBACK TO SAVEPOINT before_delete;
UPDATE eng.projects SET name = trim(name);
COMMIT;
