-- role: codex_staging
-- expect: role-allowlist unproven
-- IMPORT FOREIGN SCHEMA names no granted schema of codex
IMPORT FOREIGN SCHEMA remote FROM SERVER s INTO eng;
