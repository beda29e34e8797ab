-- role: codex_staging
-- expect: unproven
-- \v is not whitespace to psql 15 in meta-commands
\iffalse
SELECT 1;
\endif
