-- role: ehg_admin
-- expect: none
-- SET search_path FROM CURRENT pins the path in force at creation: a search_path of
-- its own, as rules_security.c reads it too
CREATE FUNCTION eng.f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS 'SELECT 1';
