-- role: eng_service
-- expect: rls-required
ALTER POLICY admin_only ON eng.service_credentials WITH CHECK (true);
