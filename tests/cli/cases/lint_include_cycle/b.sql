SELECT 2;
\ir a.sql
