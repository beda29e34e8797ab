-- role: codex_staging
-- expect: no-identity-change
-- RESET ROLE returns to the session user (e.g. the connecting admin)
RESET ROLE;
