-- pgward:no-transaction
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body ON eng.notes (body);
UPDATE eng.notes SET body = trim(body);
DELETE FROM eng.notes WHERE body = '';
