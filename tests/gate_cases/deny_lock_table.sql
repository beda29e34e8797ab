-- role: codex_staging
-- expect: role-allowlist
-- LOCK TABLE is not a grant codex has
LOCK TABLE vh.tasks IN ACCESS EXCLUSIVE MODE;
