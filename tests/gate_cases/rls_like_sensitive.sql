-- role: eng_service
-- expect: rls-required
-- LIKE copies the sensitive columns of the table it names
CREATE TABLE eng.creds_copy (LIKE eng.service_credentials);
