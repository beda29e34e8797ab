\echo Use "CREATE EXTENSION foo" to load this file. \quit
CREATE FUNCTION @extschema@.f() RETURNS int AS MODULE_PATHNAME LANGUAGE C;
\if false
\q
\endif
