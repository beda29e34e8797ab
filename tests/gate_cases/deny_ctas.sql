-- role: codex_staging
-- expect: role-allowlist
-- CREATE TABLE AS creates a table
CREATE TABLE eng.copy2 AS SELECT * FROM eng.projects;
