-- An index built without locking writes, in a file apply wraps in a transaction.
CREATE TABLE IF NOT EXISTS eng.notes (id bigint PRIMARY KEY, body text);
CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body ON eng.notes (body);
ANALYZE eng.notes;
VACUUM (ANALYZE) eng.notes;
