/* x */
\echo Use "CREATE EXTENSION x" \quit
CREATE TABLE @extschema@.t (a int); GRANT SELECT ON @extschema@.t TO @extowner@;
\echo again \q
SELECT :schema, @extschema:dep@.f(@extschema@);
