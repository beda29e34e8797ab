-- role: codex_staging
-- expect: unproven
-- RESET ALL returns every setting to the role's and database's defaults
RESET ALL;
