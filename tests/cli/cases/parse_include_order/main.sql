SELECT 1;
\ir inc/one.sql
\i inc/two.sql
SELECT 4;
