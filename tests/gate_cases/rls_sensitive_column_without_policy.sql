-- role: ehg_admin
-- expect: rls-required
-- a sensitive column makes the table sensitive; RLS without a policy is not enough
CREATE TABLE eng.accounts (id bigint, email text);
ALTER TABLE eng.accounts ENABLE ROW LEVEL SECURITY;
