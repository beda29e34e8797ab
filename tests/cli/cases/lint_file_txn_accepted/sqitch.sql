-- Deploy app:notes to pg
-- requires: appschema
\set ON_ERROR_STOP on

BEGIN;

INSERT INTO t VALUES (1);
SAVEPOINT s;
INSERT INTO t VALUES (2);
RELEASE SAVEPOINT s;

COMMIT;
