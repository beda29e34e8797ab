\set a ':a'
SELECT :a;
\set b :b:b:b:b:b:b:b
SELECT :b;
