-- role: codex_staging
-- expect: unproven
SELECT 'ÿ';
