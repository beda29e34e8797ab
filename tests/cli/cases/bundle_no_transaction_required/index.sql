CREATE INDEX CONCURRENTLY IF NOT EXISTS projects_name ON eng.projects (name);
