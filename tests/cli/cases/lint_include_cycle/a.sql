SELECT 1;
\ir b.sql
