-- role: codex_staging
-- expect: unproven
-- 'of' is a prefix PostgreSQL reads as off
SET standard_conforming_strings TO 'of';
