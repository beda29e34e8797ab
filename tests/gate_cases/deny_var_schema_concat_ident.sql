-- role: codex_staging
-- expect: cross-boundary-write
-- the schema name vh is assembled from two psql variables and quoted with :"s"
\set a v
\set b h
\set s :a :b
INSERT INTO eng.projects (name) SELECT summary FROM :"s".tasks;
