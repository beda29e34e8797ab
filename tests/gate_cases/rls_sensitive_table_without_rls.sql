-- role: ehg_admin
-- expect: rls-required
-- a sensitive table needs RLS and a policy in the same script
CREATE TABLE eng.user_tokens (id bigint, token text);
