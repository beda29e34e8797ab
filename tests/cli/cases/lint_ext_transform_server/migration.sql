-- A migration: the roles that can create transforms and servers are the deployer's.
CREATE OR REPLACE TRANSFORM FOR hstore LANGUAGE plpython3u (
    FROM SQL WITH FUNCTION hstore_to_plpython(internal),
    TO SQL WITH FUNCTION plpython_to_hstore(internal));
CREATE SERVER IF NOT EXISTS app_remote FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host 'localhost', dbname 'postgres');
