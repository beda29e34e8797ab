\if true
BEGIN;
\endif
INSERT INTO t VALUES (1);
COMMIT;
