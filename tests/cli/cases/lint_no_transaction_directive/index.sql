-- pgward:no-transaction
-- Only what cannot run in a transaction, plus session settings.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_body ON eng.notes (body);
DROP INDEX CONCURRENTLY IF EXISTS eng.notes_body_old;
RESET lock_timeout;
