-- role: ehg_admin
-- expect: rls-required
-- disabling RLS on a sensitive table
ALTER TABLE eng.api_secrets DISABLE ROW LEVEL SECURITY;
