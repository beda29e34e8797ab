\set ON_ERROR_STOP on
\set AUTOCOMMIT off
\set ECHO all
\set 1bad x
\set 'quoted' y
\unset ON_ERROR_STOP
\set VERBOSITY verbose
