-- role: codex_staging
-- expect: unproven
-- in SJIS, 0x95 0x5c is one character: psql would end a string elsewhere
SET client_encoding = 'SJIS';
SELECT 1;
