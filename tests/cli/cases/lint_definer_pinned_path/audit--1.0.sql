-- an extension script: the unpinned names are unqualified-function's and
-- unqualified-reference's; this rule keeps what a pinned path leaves to pg_temp
CREATE SCHEMA audit;
CREATE TABLE audit.log (n int);
CREATE FUNCTION audit.record() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, audit, pg_temp
AS $$ INSERT INTO log SELECT count(*) FROM events $$;
CREATE FUNCTION audit.unpinned() RETURNS void
LANGUAGE sql SECURITY DEFINER
AS $$ INSERT INTO audit.log SELECT count(*) FROM events $$;
