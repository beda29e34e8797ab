-- role: eng_service
-- expect: rls-required
CREATE TABLE eng.child (extra int) INHERITS (eng.service_credentials);
