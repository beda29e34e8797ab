-- role: codex_staging
-- expect: unproven
-- turning standard_conforming_strings off changes where strings end
SET standard_conforming_strings = off;
SELECT 1;
