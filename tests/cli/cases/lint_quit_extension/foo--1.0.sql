/* contrib/foo/foo--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION foo" to load this file. \quit

CREATE FUNCTION @extschema@.foo(int) RETURNS int
AS 'MODULE_PATHNAME', 'foo'
LANGUAGE C STRICT;
