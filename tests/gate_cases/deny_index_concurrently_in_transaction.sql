-- role: eng_service
-- expect: no-transaction-required
-- the same index in a file apply wraps in a transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS projects_name ON eng.projects (name);
