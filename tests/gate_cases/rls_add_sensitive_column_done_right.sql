-- role: eng_service
-- expect: none
ALTER TABLE eng.t ADD COLUMN owner_email text;
ALTER TABLE eng.t ENABLE ROW LEVEL SECURITY;
ALTER TABLE eng.t FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON eng.t USING (id = 1);
