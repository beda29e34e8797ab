\echo Use "CREATE EXTENSION myext" to load this file. \quit
SET search_path = app, pg_temp;
