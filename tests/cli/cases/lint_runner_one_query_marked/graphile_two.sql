--! no-transaction
VACUUM t;
VACUUM u;
