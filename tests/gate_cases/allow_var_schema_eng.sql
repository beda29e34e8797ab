-- role: codex_staging
-- expect: none
-- schema and value from psql variables, all within eng
\set s eng
\set v 'it\'s'
UPDATE :"s".projects SET name = :'v' WHERE id = 1;
