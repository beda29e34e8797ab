-- role: codex_staging
-- expect: script-error unproven
-- SINGLELINE makes a newline end a statement
\set SINGLELINE on
SELECT 1 FROM eng.projects
