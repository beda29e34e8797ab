-- role: codex_staging
-- expect: no-identity-change no-transaction-required
-- DISCARD ALL includes SET SESSION AUTHORIZATION DEFAULT
DISCARD ALL;
