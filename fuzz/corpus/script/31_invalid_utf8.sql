SELECT 'ÿþ';
SELECT "Ã(" FROM t;
-- â‚
\set v í €
SELECT U&'\D800';
