-- role: codex_staging
-- expect: no-identity-change role-allowlist
-- GRANT widens privileges: an identity change, and DCL is not granted
GRANT ALL ON eng.projects TO codex_staging;
