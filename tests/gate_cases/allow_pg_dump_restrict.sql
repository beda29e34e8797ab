-- role: codex_staging
-- expect: none
\restrict dumpkey
SELECT count(*) FROM eng.projects;
\unrestrict dumpkey
