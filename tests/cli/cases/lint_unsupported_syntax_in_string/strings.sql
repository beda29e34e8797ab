-- the words of newer syntax in a string, a comment, a dollar quote or a quoted
-- name are not syntax: these are ordinary syntax errors
SELECT 'JSON_TABLE(' FROM eng.t WHERE;
SELECT $$ MERGE ... WHEN NOT MATCHED BY SOURCE $$ FROM;
SELECT 1 /* 1_000 IS JSON */ FROM WHERE;
SELECT "json_table"( FROM eng.t;
-- a statement that parses is never touched, newer meaning or not
SELECT 'JSON_TABLE(x)', system_user;
