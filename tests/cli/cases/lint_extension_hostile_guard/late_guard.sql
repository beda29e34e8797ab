CREATE TABLE eng.audit_copy (id bigint PRIMARY KEY);
\echo Use "CREATE EXTENSION myext" to load this file. \quit
DROP TABLE eng.accounts;
