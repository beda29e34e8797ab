-- run against PostgreSQL 14 (--pg-version 14): public is open to every role
CREATE TABLE IF NOT EXISTS settings (name text PRIMARY KEY, value text);
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE TABLE IF NOT EXISTS flags (name text PRIMARY KEY);
