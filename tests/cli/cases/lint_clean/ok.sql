-- a clean script
CREATE TABLE eng.t (id bigint);
INSERT INTO eng.t VALUES (1);
