-- role: eng_service
-- expect: role-allowlist
CREATE TYPE vh.status AS ENUM ('a');
COMMENT ON TABLE vh.tasks IS 'x';
