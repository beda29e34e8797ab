-- role: codex_staging
-- expect: no-identity-change
-- row_security off
SET row_security = off;
