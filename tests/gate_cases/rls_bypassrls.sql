-- role: ehg_admin
-- expect: rls-required
-- BYPASSRLS skips every policy
ALTER ROLE analyst_ro BYPASSRLS;
