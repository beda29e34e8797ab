-- role: eng_service
-- expect: rls-required
-- enabled but not forced: the table's owner still reads every row
CREATE TABLE eng.api_keys (id bigint);
ALTER TABLE eng.api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON eng.api_keys USING (id = 1);
