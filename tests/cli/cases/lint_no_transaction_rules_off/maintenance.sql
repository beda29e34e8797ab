BEGIN;
UPDATE eng.notes SET body = trim(body);
COMMIT;
VACUUM (ANALYZE) eng.notes;
