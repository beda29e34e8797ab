CREATE TABLE eng.notes (id bigint PRIMARY KEY);
\quit
CREATE INDEX notes_id ON eng.notes (id);

DROP TABLE eng.old;
