-- role: codex_staging
-- expect: no-identity-change
-- ALTER DEFAULT PRIVILEGES
ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO codex_staging;
