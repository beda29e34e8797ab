\set m '\\echo hi'
:m
\set s 'SELECT 1; SELECT 2'
:s;
\set o '('
SELECT :o 1);
