-- role: eng_service
-- expect: rls-required
-- a column added to an existing table makes it sensitive
ALTER TABLE eng.projects ADD COLUMN owner_email text;
