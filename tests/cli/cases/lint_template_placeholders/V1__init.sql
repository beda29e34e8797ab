CREATE TABLE ${schema}.notes (id bigint PRIMARY KEY, body text);
CREATE INDEX notes_body ON ${schema}.notes (body);
CREATE TABLE {{ target_schema }}.tags (id bigint PRIMARY KEY);
CREATE FUNCTION @extschema@.f(int) RETURNS int AS MODULE_PATHNAME, 'f' LANGUAGE C;
CREATE VIEW eng.v AS SELECT '@VERSION@' AS version, '${not_this}' AS s;
-- parses (@ is an operator): not reported
SELECT @PREFIX@_count FROM eng.t;
CREATE SCHEMA @schema_name@;
