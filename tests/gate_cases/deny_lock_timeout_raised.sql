-- role: codex_staging
-- expect: unproven
SET lock_timeout = '10min';
