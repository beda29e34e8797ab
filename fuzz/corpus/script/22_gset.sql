SELECT 1 AS one, 'x' AS two \gset
SELECT :one, :'two';
SELECT 42 AS v \gset pre_
\if :pre_v
SELECT :pre_v;
\endif
