-- postgres-migrations disable-transaction
VACUUM t;
