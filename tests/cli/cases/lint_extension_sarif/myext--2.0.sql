\echo Use "CREATE EXTENSION myext" to load this file. \quit
SET search_path = @extschema@, pg_temp;
SET search_path = tools, pg_temp;
SET search_path = other, pg_temp;
