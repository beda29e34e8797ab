-- role: eng_service
-- expect: rls-required
-- a sensitive table whose only policy is (true) is not protected
CREATE TABLE eng.secrets (id bigint);
ALTER TABLE eng.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE eng.secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY open ON eng.secrets USING (true);
