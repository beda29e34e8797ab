-- CREATE EXTENSION runs the script inside a transaction block: BEGIN/COMMIT and
-- CONCURRENTLY are refused there, so index-not-concurrently's advice cannot be
-- followed and is not given; a schema the script creates holds only its own tables
BEGIN;
CREATE SCHEMA s1;
CREATE INDEX ON s1.t (a);
CREATE INDEX ON public.x (a);
CREATE INDEX CONCURRENTLY ON public.x (b);
COMMIT;
