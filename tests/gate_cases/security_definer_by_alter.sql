-- role: ehg_admin
-- expect: security-definer-search-path
-- made SECURITY DEFINER later
ALTER FUNCTION eng.bump() SECURITY DEFINER;
