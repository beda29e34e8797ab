-- sql/bootstrap.sql: the staging database that rules/staging.policy describes.
--
-- Idempotent: run it as often as you like, as a superuser, in the target database,
-- after sql/audit.sql (pgward stage up runs both; by hand:
--   psql -v ON_ERROR_STOP=1 -1 -f sql/audit.sql -f sql/bootstrap.sql).
-- It sets up, and records in audit.bootstrap_log:
--   - the schemas eng, vh (the isolated families), views (their read-only bridge)
--     and audit (written only by pgward), owned by ehg_admin;
--   - the extensions uuid-ossp and pgcrypto;
--   - the roles of the policy with exactly the privileges it grants and no more:
--       ehg_admin      unrestricted: owns eng, vh and views (all on them)
--       eng_service    select, insert, update, delete, truncate, ddl on eng
--       vh_service     the same on vh
--       analyst_ro     select on views
--       codex_staging  select, insert, update on eng; select on vh; no DDL; its
--                      login and 8-hour expiry are set by pgward stage up
--     (service roles also select on views), for existing tables and, through default
--     privileges, for every table ehg_admin creates later;
--   - row-level security enabled and forced, with an admin policy, on every table
--     whose name or a column's name looks sensitive (the policy's patterns);
--   - audit.bootstrap_status: what was set up, when, and whether it still holds.
-- pgward verify checks a database against the same policy.

SELECT pg_advisory_xact_lock(1885827950, 2);  -- two bootstraps at once: one at a time

-- ------------------------------------------------------------------ roles
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['ehg_admin', 'eng_service', 'vh_service', 'analyst_ro',
                             'codex_staging'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
    END LOOP;
END
$roles$;
-- no role but the bootstrap superuser bypasses anything
ALTER ROLE ehg_admin LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE eng_service NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE vh_service NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE analyst_ro NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE codex_staging NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;

-- ------------------------------------------------------------------ schemas, extensions
CREATE SCHEMA IF NOT EXISTS eng AUTHORIZATION ehg_admin;
CREATE SCHEMA IF NOT EXISTS vh AUTHORIZATION ehg_admin;
CREATE SCHEMA IF NOT EXISTS views AUTHORIZATION ehg_admin;
CREATE SCHEMA IF NOT EXISTS audit;
ALTER SCHEMA eng OWNER TO ehg_admin;
ALTER SCHEMA vh OWNER TO ehg_admin;
ALTER SCHEMA views OWNER TO ehg_admin;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
-- nobody but ehg_admin creates objects anywhere (PostgreSQL 15 already revokes
-- CREATE on public from PUBLIC; said again for databases upgraded from older ones)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $db$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ehg_admin, eng_service, vh_service, '
                   'analyst_ro, codex_staging', current_database());
END
$db$;

-- ------------------------------------------------------------------ privileges
-- schema usage and, for ddl grants, CREATE
GRANT USAGE ON SCHEMA eng TO eng_service, codex_staging;
GRANT USAGE ON SCHEMA vh TO vh_service, codex_staging;
GRANT USAGE ON SCHEMA views TO eng_service, vh_service, analyst_ro;
GRANT CREATE ON SCHEMA eng TO eng_service;
GRANT CREATE ON SCHEMA vh TO vh_service;

-- table privileges now and for tables ehg_admin creates later
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA eng TO eng_service;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA vh TO vh_service;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA eng TO codex_staging;
GRANT SELECT ON ALL TABLES IN SCHEMA vh TO codex_staging;
GRANT SELECT ON ALL TABLES IN SCHEMA views TO eng_service, vh_service, analyst_ro;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA eng
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO eng_service;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA vh
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO vh_service;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA eng
    GRANT SELECT, INSERT, UPDATE ON TABLES TO codex_staging;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA vh
    GRANT SELECT ON TABLES TO codex_staging;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA views
    GRANT SELECT ON TABLES TO eng_service, vh_service, analyst_ro;
-- identity columns: inserting needs the sequence
GRANT USAGE ON ALL SEQUENCES IN SCHEMA eng TO eng_service, codex_staging;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA vh TO vh_service;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA eng
    GRANT USAGE ON SEQUENCES TO eng_service, codex_staging;
ALTER DEFAULT PRIVILEGES FOR ROLE ehg_admin IN SCHEMA vh
    GRANT USAGE ON SEQUENCES TO vh_service;

-- the audit trail: pgward writes it through audit.sql's functions; the admin reads it
GRANT SELECT ON ALL TABLES IN SCHEMA audit TO ehg_admin;

-- ------------------------------------------------------------------ row-level security
-- A sensitive table (by its name or a column's, as rules/staging.policy's patterns
-- say) gets RLS enabled and forced, and a policy for ehg_admin; other roles see
-- nothing until a policy grants it.
CREATE OR REPLACE FUNCTION audit.enforce_sensitive_rls()
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t record;
    n integer := 0;
    pattern constant text := 'password|secret|token|ssn|email|credential|api_key';
BEGIN
    FOR t IN
        SELECT c.oid, n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'audit')
          AND n.nspname NOT LIKE 'pg\_%'
          AND (c.relname ~* pattern
               OR EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                            AND a.attname ~* pattern))
    LOOP
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', t.nspname, t.relname);
        EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', t.nspname, t.relname);
        IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t.oid) THEN
            EXECUTE format('CREATE POLICY admin_all ON %I.%I TO ehg_admin USING (true) '
                           'WITH CHECK (true)', t.nspname, t.relname);
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;

-- the one sensitive table the staging environment ships with
CREATE TABLE IF NOT EXISTS eng.service_credentials (
    id          uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
    service     text NOT NULL,
    secret_hash text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE eng.service_credentials OWNER TO ehg_admin;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON eng.service_credentials TO eng_service;
GRANT SELECT, INSERT, UPDATE ON eng.service_credentials TO codex_staging;
SELECT audit.enforce_sensitive_rls();

-- ------------------------------------------------------------------ status
CREATE TABLE IF NOT EXISTS audit.bootstrap_log (
    item       text PRIMARY KEY,
    detail     text NOT NULL,
    set_up_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    set_up_by  name NOT NULL DEFAULT session_user
);
INSERT INTO audit.bootstrap_log (item, detail) VALUES
    ('schemas', 'eng, vh, views, audit'),
    ('extensions', 'uuid-ossp, pgcrypto'),
    ('roles', 'ehg_admin, eng_service, vh_service, analyst_ro, codex_staging'),
    ('privileges', 'as rules/staging.policy grants, with default privileges'),
    ('row level security', 'enabled and forced on sensitive tables'),
    ('audit', 'audit.runs, audit.statements, audit.files')
ON CONFLICT (item) DO UPDATE SET detail = EXCLUDED.detail, set_up_at = clock_timestamp(),
                                 set_up_by = session_user;

-- What was set up, when, and whether it still holds (healthy), one row per item.
CREATE OR REPLACE VIEW audit.bootstrap_status AS
    SELECT l.item, l.detail, l.set_up_at, l.set_up_by,
           CASE l.item
             WHEN 'schemas' THEN (SELECT count(*) = 4 FROM pg_namespace
                                  WHERE nspname IN ('eng', 'vh', 'views', 'audit'))
             WHEN 'extensions' THEN (SELECT count(*) = 2 FROM pg_extension
                                     WHERE extname IN ('uuid-ossp', 'pgcrypto'))
             WHEN 'roles' THEN (SELECT count(*) = 5 FROM pg_roles
                                WHERE rolname IN ('ehg_admin', 'eng_service', 'vh_service',
                                                  'analyst_ro', 'codex_staging')
                                  AND NOT rolsuper AND NOT rolbypassrls)
             WHEN 'privileges' THEN NOT has_schema_privilege('codex_staging', 'eng', 'CREATE')
                                    AND NOT has_schema_privilege('codex_staging', 'vh', 'CREATE')
             WHEN 'row level security' THEN
                  current_setting('row_security') = 'on'
                  AND NOT EXISTS (SELECT 1 FROM pg_class c
                                  JOIN pg_namespace n ON n.oid = c.relnamespace
                                  WHERE c.relkind IN ('r', 'p')
                                    AND n.nspname IN ('eng', 'vh', 'views')
                                    AND c.relname ~* 'password|secret|token|ssn|email|credential|api_key'
                                    AND NOT (c.relrowsecurity AND c.relforcerowsecurity))
             WHEN 'audit' THEN to_regclass('audit.runs') IS NOT NULL
                               AND to_regclass('audit.statements') IS NOT NULL
                               AND to_regclass('audit.files') IS NOT NULL
           END AS healthy
    FROM audit.bootstrap_log l
    ORDER BY l.set_up_at, l.item;
GRANT SELECT ON audit.bootstrap_log, audit.bootstrap_status TO PUBLIC;
