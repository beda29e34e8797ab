-- role: eng_service
-- expect: none
-- an index built concurrently in a file marked to run without a transaction
-- pgward:no-transaction
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS projects_name ON eng.projects (name);
