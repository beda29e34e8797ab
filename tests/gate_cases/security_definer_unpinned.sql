-- role: ehg_admin
-- expect: security-definer-search-path
-- SECURITY DEFINER without a pinned search_path
CREATE FUNCTION eng.bump() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
