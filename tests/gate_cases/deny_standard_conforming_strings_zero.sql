-- role: codex_staging
-- expect: unproven
-- 0 is a boolean spelling PostgreSQL accepts
SET standard_conforming_strings = 0;
