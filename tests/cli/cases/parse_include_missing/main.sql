SELECT 1;
\i missing.sql
\include_relative
SELECT 2;
