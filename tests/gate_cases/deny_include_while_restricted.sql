-- role: codex_staging
-- expect: script-error
\restrict dumpkey
SELECT count(*) FROM eng.projects;
\i other.sql
\unrestrict dumpkey
