\set b x
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
\set b :b:b:b:b:b:b:b:b
SELECT :b;
