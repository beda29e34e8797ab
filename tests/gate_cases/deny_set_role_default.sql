-- role: codex_staging
-- expect: no-identity-change
-- SET role TO DEFAULT
SET role TO DEFAULT;
