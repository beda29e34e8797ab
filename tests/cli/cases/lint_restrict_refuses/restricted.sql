-- between \restrict and \unrestrict psql refuses every other meta-command
\restrict K1
SELECT 1;
\i other.sql
\unrestrict WRONG
\unrestrict K1
\unrestrict K1
\echo done
