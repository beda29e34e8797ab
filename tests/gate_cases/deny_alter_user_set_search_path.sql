-- role: codex_staging
-- expect: no-identity-change
-- ALTER USER (= ALTER ROLE) ... SET
ALTER USER CURRENT_USER SET search_path = vh;
