-- role: codex_staging
-- expect: role-allowlist
-- COMMENT ON is DDL
COMMENT ON TABLE vh.tasks IS 'owned';
