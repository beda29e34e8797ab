-- role: codex_staging
-- expect: unproven
-- functions outside the allowlist
SELECT eng.recalculate();
