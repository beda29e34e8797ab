-- role: ehg_admin
-- expect: rls-required
-- RLS enabled, but the policy is on another table
CREATE TABLE eng.user_tokens (id bigint, token text);
ALTER TABLE eng.user_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON eng.projects USING (id = 1);
