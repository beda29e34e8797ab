\set a 1
\set b 'two words' three
\set empty
\echo :a :b
\unset b
\echo -n :'a'
\set x :a:a
SELECT :a, :x;
