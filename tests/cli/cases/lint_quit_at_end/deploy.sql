CREATE TABLE eng.notes (id bigint PRIMARY KEY);
\q

-- done: nothing after this is SQL
/* a block comment
   over two lines */
