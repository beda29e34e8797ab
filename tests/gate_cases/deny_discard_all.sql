-- role: codex_staging
-- expect: no-identity-change
-- DISCARD ALL includes SET SESSION AUTHORIZATION DEFAULT
DISCARD ALL;
