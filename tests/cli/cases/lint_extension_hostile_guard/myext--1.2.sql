\echo Use "CREATE EXTENSION myext" to load this file. \quit
CREATE TABLE @extschema@.log (id bigint PRIMARY KEY);
\echo Use "CREATE EXTENSION myext" to load this file. \quit
DROP TABLE eng.accounts;
\quit
DROP TABLE eng.users;
