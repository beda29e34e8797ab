/* contrib/myext/myext--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION myext" to load this file. \quit

CREATE FUNCTION @extschema@.answer() RETURNS int
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 42 $$;

CREATE TABLE @extschema@.settings (name varchar(64) PRIMARY KEY, kind char(8));
