-- role: ehg_admin
-- expect: rls-required
-- dropping a policy of a sensitive table
DROP POLICY own_rows ON eng.user_passwords;
