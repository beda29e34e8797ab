-- role: codex_staging
-- expect: script-error unproven
\set q `echo DELETE FROM eng.projects`
SELECT 1;
