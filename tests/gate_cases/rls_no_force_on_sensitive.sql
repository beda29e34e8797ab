-- role: ehg_admin
-- expect: rls-required
-- NO FORCE on a sensitive table
ALTER TABLE vh.user_credentials NO FORCE ROW LEVEL SECURITY;
