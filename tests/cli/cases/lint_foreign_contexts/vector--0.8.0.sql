-- an extension script: the schema is the user's, others may write it
CREATE TABLE IF NOT EXISTS vector_settings (name text PRIMARY KEY, value text);
CREATE OR REPLACE FUNCTION vector_dims(v text) RETURNS int
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
