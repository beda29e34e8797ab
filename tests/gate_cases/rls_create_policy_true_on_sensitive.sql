-- role: eng_service
-- expect: rls-required
-- a policy USING (true) lets every row through
CREATE POLICY open ON eng.service_credentials USING (true);
