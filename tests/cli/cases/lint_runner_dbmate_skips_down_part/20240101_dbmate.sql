-- migrate:up
INSERT INTO t VALUES (1);

-- migrate:down
DELETE FROM t WHERE a = 1;
VACUUM t;
