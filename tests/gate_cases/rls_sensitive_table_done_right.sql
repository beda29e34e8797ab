-- role: ehg_admin
-- expect: none
-- RLS enabled and a policy: fine
CREATE TABLE eng.accounts (id bigint, email text);
ALTER TABLE eng.accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON eng.accounts USING (id = 1);
