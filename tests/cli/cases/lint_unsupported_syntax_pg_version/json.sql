SELECT * FROM JSON_TABLE(doc, '$[*]' COLUMNS (id int PATH '$.id')) AS jt;
