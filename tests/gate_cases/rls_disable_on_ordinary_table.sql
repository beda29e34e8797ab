-- role: ehg_admin
-- expect: none
-- tables that are not sensitive may drop RLS
ALTER TABLE eng.projects DISABLE ROW LEVEL SECURITY;
