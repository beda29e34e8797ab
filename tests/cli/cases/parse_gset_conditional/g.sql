SELECT count(*) > 0 AS has_rows FROM eng.t \gset
\if :has_rows
UPDATE eng.t SET id = id + 1;
\else
INSERT INTO eng.t VALUES (1);
\endif
