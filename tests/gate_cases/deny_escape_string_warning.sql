-- role: codex_staging
-- expect: unproven
SET escape_string_warning = off;
