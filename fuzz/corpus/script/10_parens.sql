SELECT (1 + (2 * (3)));
SELECT ARRAY[1,(2)], (SELECT 1; );
SELECT ((((;
)));
