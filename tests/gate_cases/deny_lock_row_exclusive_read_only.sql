-- role: codex_staging
-- expect: role-allowlist
-- vh is read-only for codex: no write lock on it
LOCK TABLE vh.tasks IN ROW EXCLUSIVE MODE;
