\set t :tbl
\set s :'schema'.:"t"
\echo :s
\set cmd 'SELECT 1;'
:cmd
\set c2 'SELECT 2'
:c2;
