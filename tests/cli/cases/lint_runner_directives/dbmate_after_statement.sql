INSERT INTO t VALUES (1);
-- migrate:up transaction:false
VACUUM t;
