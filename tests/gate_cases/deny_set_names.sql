-- role: codex_staging
-- expect: unproven
SET NAMES 'SJIS';
