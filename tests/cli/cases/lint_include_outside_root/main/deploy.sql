\ir ../secret.sql
SELECT 1;
