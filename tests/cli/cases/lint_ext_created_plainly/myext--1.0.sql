-- Extension script: what the script itself created plainly is safe to replace.
CREATE FUNCTION f(a int = 1) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT a $$;
-- safe: the same function (a default does not count; integer is int)
CREATE OR REPLACE FUNCTION f(a integer = 2) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT a + 1 $$;
-- reported: another signature, another parameter name
CREATE OR REPLACE FUNCTION f(a bigint) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION f(b int) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT b $$;
-- reported: same name, other schema (written with one, then without)
CREATE OR REPLACE FUNCTION s1.f(a int) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT a $$;
-- reported: unqualified again, but under another search_path
SET search_path = pg_catalog, pg_temp;
CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT a $$;
RESET search_path;
-- old-style aggregate then the same in the new style: safe
CREATE AGGREGATE s1.agg(BASETYPE = int, SFUNC = int4and, STYPE = int);
CREATE OR REPLACE AGGREGATE s1.agg(int4) (SFUNC = int4and, STYPE = int);
-- relations: a table, then IF NOT EXISTS of the same name: safe
CREATE TABLE s1.t (id int);
CREATE TABLE IF NOT EXISTS s1.t (id int);
CREATE VIEW s1.v AS SELECT 1 AS one;
CREATE OR REPLACE VIEW s1.v AS SELECT 1 AS one;
-- reported: dropped in between
DROP VIEW s1.v;
CREATE OR REPLACE VIEW s1.v AS SELECT 1 AS one;
-- reported: first created with OR REPLACE (reported there), then again
CREATE OR REPLACE FUNCTION s1.g() RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION s1.g() RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
-- safe: a schema the script created
CREATE SCHEMA own;
CREATE OR REPLACE FUNCTION own.h() RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
CREATE SEQUENCE IF NOT EXISTS own.seq;
-- reported: the parameter's type is looked up through another search_path now
CREATE FUNCTION s1.k(x mytype) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
SET search_path = pg_catalog, pg_temp;
CREATE OR REPLACE FUNCTION s1.k(x mytype) RETURNS int LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
