-- role: codex_staging
-- expect: unproven
SET backslash_quote = on;
