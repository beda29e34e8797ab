-- role: codex_staging
-- expect: role-allowlist
-- functions outside the allowlist
SELECT eng.recalculate();
