-- role: codex_staging
-- expect: unproven
-- the policy bounds every statement to 60s; 0 turns the bound off
SET statement_timeout = 0;
SELECT count(*) FROM generate_series(1, 10000000000);
