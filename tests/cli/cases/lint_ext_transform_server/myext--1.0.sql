-- Extension script: objects in no schema, created where they may already exist.
CREATE OR REPLACE TRANSFORM FOR hstore LANGUAGE plpython3u (
    FROM SQL WITH FUNCTION hstore_to_plpython(internal),
    TO SQL WITH FUNCTION plpython_to_hstore(internal));
CREATE SERVER IF NOT EXISTS myext_remote FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host 'localhost', dbname 'postgres');
-- not reported: these fail when the object exists
CREATE TRANSFORM FOR hstore LANGUAGE plperl (
    FROM SQL WITH FUNCTION hstore_to_plperl(internal),
    TO SQL WITH FUNCTION plperl_to_hstore(internal));
CREATE SERVER myext_local FOREIGN DATA WRAPPER postgres_fdw;
