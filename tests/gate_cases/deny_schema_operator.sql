-- role: codex_staging
-- expect: unproven
-- OPERATOR(eng.+) runs a function in eng that is not allowlisted
SELECT 1 OPERATOR(eng.+) 1;
