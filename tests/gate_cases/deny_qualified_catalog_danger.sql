-- role: codex_staging
-- expect: unproven
-- a dangerous built-in, schema-qualified and in upper case
SELECT PG_CATALOG.PG_READ_FILE('/etc/passwd');
