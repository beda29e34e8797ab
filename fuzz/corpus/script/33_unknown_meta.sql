\d t
\x
\timing on
\! echo hi
\o /tmp/out
\copy t from 'x.csv'
\connect db
\c
\pset format csv
\q
SELECT 'after quit';
