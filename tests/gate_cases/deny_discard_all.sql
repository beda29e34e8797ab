-- role: codex_staging
-- expect: no-identity-change no-transaction-required unproven
-- DISCARD ALL includes SET SESSION AUTHORIZATION DEFAULT
DISCARD ALL;
