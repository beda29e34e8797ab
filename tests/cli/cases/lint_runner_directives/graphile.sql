--! no-transaction
VACUUM t;
