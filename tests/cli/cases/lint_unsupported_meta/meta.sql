SELECT 1;
\c otherdb
\! rm -rf /tmp/x ; echo
\copy t from data.csv
\o out.txt
\set ok 1
\if false
\lo_import /etc/passwd
\endif
SELECT :ok;
