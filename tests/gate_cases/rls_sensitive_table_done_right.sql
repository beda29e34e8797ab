-- role: ehg_admin
-- expect: none
-- RLS enabled and forced, and a policy that is not (true): fine
CREATE TABLE eng.accounts (id bigint, email text);
ALTER TABLE eng.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE eng.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON eng.accounts USING (id = 1);
