--! Previous: sha1:abc
--! Hash: sha1:def

--! no-transaction
BEGIN;
SELECT 1;
COMMIT;
-- postgres-migrations disable-transaction
