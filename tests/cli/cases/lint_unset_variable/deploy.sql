-- every use of the unset :schema: one finding, at the first
CREATE TABLE :schema.notes (id bigint PRIMARY KEY, body text);
CREATE INDEX notes_body ON :schema.notes (body);
ALTER TABLE :"schema".notes ADD COLUMN at timestamptz;
GRANT SELECT ON :schema.notes TO :"reader";
COMMENT ON TABLE :schema.notes IS :'note';
-- not variables: a cast, a string, a comment, a dollar quote, an array slice
SELECT '1'::int, ':schema', $$ :schema $$, (ARRAY[1, 2, 3])[1:n] FROM eng.t; -- :schema
