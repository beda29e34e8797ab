INSERT INTO t VALUES (1);
--! no-transaction
VACUUM t;
