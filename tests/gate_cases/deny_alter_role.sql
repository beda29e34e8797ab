-- role: codex_staging
-- expect: no-identity-change
-- ALTER ROLE
ALTER ROLE codex_staging VALID UNTIL 'infinity';
