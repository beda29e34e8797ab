SELECT 1 <> 2, 'a' || 'b', 3 !~~ 4, a->>'x', b#>>'{a}', c @> d, e::text[], f:=1;
SELECT $1, $2::int;
SELECT 1.5e10, .5, 0x1F, 1_000;
