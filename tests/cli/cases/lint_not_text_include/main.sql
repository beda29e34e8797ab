SELECT 1;
\i part.sql
SELECT 2;
