-- A migration on PostgreSQL 14 (PUBLIC may create in public): the same trust.
CREATE FUNCTION public.token_count() RETURNS bigint LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 0::bigint $$;
CREATE OR REPLACE FUNCTION public.token_count() RETURNS bigint LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1::bigint $$;
-- reported: never created plainly here
CREATE OR REPLACE FUNCTION public.other() RETURNS bigint LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$ SELECT 1::bigint $$;
