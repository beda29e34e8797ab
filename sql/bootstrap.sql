-- sql/bootstrap.sql: the machinery of a staging database, what no policy says.
--
-- It is one part of the script `pgward stage sql --policy FILE` prints and
-- `pgward stage up` runs as a superuser, in one transaction, in the target database:
--   1. sql/audit.sql: the audit trail;
--   2. from the policy: its roles, its schemas (owned by its first unrestricted role,
--      the admin), its extensions, who may connect; then `pgward.admin` is set to
--      the admin's name for the rest of the script;
--   3. this file: audit.enforce_sensitive_rls(), audit.bootstrap_log and the view
--      audit.bootstrap_status, and the staging environment's own data;
--   4. from the policy: every privilege it grants (schemas, tables now and through
--      default privileges later, sequences), row-level security enabled and forced
--      on every table its sensitive patterns match, and one audit.bootstrap_log row
--      per item with what audit.bootstrap_status checks it against.
-- Idempotent: it can run again on the same database.

-- ------------------------------------------------------------------ row-level security
-- A sensitive table (its name matches one of table_patterns, or a column's name one
-- of column_patterns; PostgreSQL regular expressions, case-insensitive) gets RLS
-- enabled and forced, and a policy for the admin; other roles see nothing until a
-- policy grants it. Returns how many tables it covered.
CREATE OR REPLACE FUNCTION audit.enforce_sensitive_rls(table_patterns text[],
                                                       column_patterns text[], admin name)
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t record;
    n integer := 0;
BEGIN
    FOR t IN
        SELECT c.oid, s.nspname, c.relname
        FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND s.nspname NOT IN ('pg_catalog', 'information_schema', 'audit')
          AND s.nspname NOT LIKE 'pg\_%'
          AND (EXISTS (SELECT 1 FROM unnest(table_patterns) p
                       WHERE s.nspname || '.' || c.relname ~* p)
               OR EXISTS (SELECT 1 FROM pg_attribute a, unnest(column_patterns) p
                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                            AND a.attname ~* p))
    LOOP
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', t.nspname, t.relname);
        EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', t.nspname, t.relname);
        IF admin IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = t.oid) THEN
            EXECUTE format('CREATE POLICY admin_all ON %I.%I TO %I USING (true) '
                           'WITH CHECK (true)', t.nspname, t.relname, admin);
        END IF;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;

-- ------------------------------------------------------------------ status
-- What was set up (names: what it was set up for; patterns: the sensitive patterns)
CREATE TABLE IF NOT EXISTS audit.bootstrap_log (
    item       text PRIMARY KEY,
    detail     text NOT NULL,
    set_up_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    set_up_by  name NOT NULL DEFAULT session_user
);
ALTER TABLE audit.bootstrap_log ADD COLUMN IF NOT EXISTS names text[] NOT NULL DEFAULT '{}';
ALTER TABLE audit.bootstrap_log ADD COLUMN IF NOT EXISTS patterns text[] NOT NULL DEFAULT '{}';

-- What was set up, when, and whether it still holds (healthy), one row per item:
--   schemas, extensions      every one named exists
--   roles                    every one named exists, neither superuser nor BYPASSRLS
--   privileges               no role.schema named may CREATE in that schema
--   row level security       row_security is on, and no table of the schemas named
--                            that a pattern matches lacks RLS enabled and forced
--   audit                    the audit trail's tables exist
CREATE OR REPLACE VIEW audit.bootstrap_status AS
    SELECT l.item, l.detail, l.set_up_at, l.set_up_by,
           CASE l.item
             WHEN 'schemas' THEN (SELECT count(*) = cardinality(l.names) FROM pg_namespace
                                  WHERE nspname = ANY (l.names))
             WHEN 'extensions' THEN (SELECT count(*) = cardinality(l.names) FROM pg_extension
                                     WHERE extname = ANY (l.names))
             WHEN 'roles' THEN (SELECT count(*) = cardinality(l.names) FROM pg_roles
                                WHERE rolname = ANY (l.names)
                                  AND NOT rolsuper AND NOT rolbypassrls)
             WHEN 'privileges' THEN NOT EXISTS (
                  SELECT 1 FROM unnest(l.names) AS rs
                  WHERE to_regnamespace(split_part(rs, '.', 2)) IS NOT NULL
                    AND has_schema_privilege(split_part(rs, '.', 1), split_part(rs, '.', 2),
                                             'CREATE'))
             WHEN 'row level security' THEN
                  current_setting('row_security') = 'on'
                  AND NOT EXISTS (SELECT 1 FROM pg_class c
                                  JOIN pg_namespace n ON n.oid = c.relnamespace
                                  WHERE c.relkind IN ('r', 'p')
                                    AND n.nspname = ANY (l.names)
                                    AND EXISTS (SELECT 1 FROM unnest(l.patterns) p
                                                WHERE n.nspname || '.' || c.relname ~* p)
                                    AND NOT (c.relrowsecurity AND c.relforcerowsecurity))
             WHEN 'audit' THEN to_regclass('audit.runs') IS NOT NULL
                               AND to_regclass('audit.statements') IS NOT NULL
                               AND to_regclass('audit.files') IS NOT NULL
           END AS healthy
    FROM audit.bootstrap_log l
    ORDER BY l.set_up_at, l.item;
GRANT SELECT ON audit.bootstrap_log, audit.bootstrap_status TO PUBLIC;

-- ------------------------------------------------------------------ the environment's data
-- The one sensitive table the staging environment ships with, in the eng family of
-- rules/staging.policy (a policy without an eng schema gets none), owned by the admin.
DO $data$
BEGIN
    IF to_regnamespace('eng') IS NOT NULL THEN
        CREATE TABLE IF NOT EXISTS eng.service_credentials (
            id          uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
            service     text NOT NULL,
            secret_hash text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        IF current_setting('pgward.admin', true) <> '' THEN
            EXECUTE format('ALTER TABLE eng.service_credentials OWNER TO %I',
                           current_setting('pgward.admin'));
        END IF;
    END IF;
END
$data$;
