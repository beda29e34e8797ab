-- migrate:up transaction:false
VACUUM t;
INSERT INTO t VALUES (1);
-- migrate:down
