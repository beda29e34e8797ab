-- role: codex_staging
-- expect: none
-- stricter than the policy's: fine
SET lock_timeout = '2s';
SET statement_timeout = 30000;
SET LOCAL statement_timeout = '1min';
