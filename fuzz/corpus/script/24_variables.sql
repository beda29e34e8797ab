SELECT :tbl, :'schema', :"tbl", :{?tbl}, :{?nope}, :nope, :'nope';
SELECT * FROM :"schema".:"tbl";
SELECT ':tbl', ":tbl", $$:tbl$$, 1::int, a:b;
SELECT :'q', :"q";
