\set stop false
\if :stop
\quit
\endif
CREATE TABLE eng.notes (id bigint PRIMARY KEY);
\if false
\q
\else
CREATE INDEX notes_id ON eng.notes (id);
\endif
DROP TABLE eng.old;
