/*
 * provision.c: the setup script of a database for a policy; see provision.h.
 *
 * The roles, schemas and extensions come first (sql/bootstrap.sql needs them);
 * then every privilege the policy grants, and nothing more, from
 * policy_grants_sql() (policy/grants.h): the same statements `pgward policy grants`
 * prints, from the model pgward verify checks against, so that what the stage sets
 * up, what the gate proves and what verify checks are one answer. The admin (the
 * first unrestricted role) owns the families' schemas and the bridges.
 */
#include "stage/provision.h"

#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "base/util.h"
#include "bootstrap_sql.h"
#include "policy/grants.h"
#include "policy/query.h"
#include "staging_policy.h"

static void ident(strbuf *sb, const char *name)
{
    sql_ident(sb, name);
}

static void literal(strbuf *sb, const char *text)
{
    sql_literal(sb, text);
}

/* ARRAY['a', 'b']::text[] */
static void text_array(strbuf *sb, const char *const *items, size_t n)
{
    sb_adds(sb, "ARRAY[");
    for (size_t i = 0; i < n; i++) {
        sb_adds(sb, i ? ", " : "");
        literal(sb, items[i]);
    }
    sb_adds(sb, "]::text[]");
}

const char **provision_schemas(const policy *p, size_t *n)
{
    return policy_named_schemas(p, n);
}

policy *provision_staging_policy(char **err)
{
    return policy_parse("rules/staging.policy", staging_policy, strlen(staging_policy), err);
}

/* ------------------------------------------------------------------ roles, schemas */

static void roles_schemas(strbuf *sb, const policy *p, const char **schemas, size_t nschemas)
{
    const policy_role *admin = policy_owner_role(p), *automation = policy_automation_role(p);
    sb_addf(sb, "\n-- ------------------------------------------------------------------ "
                "policy %s (sha256 %s)\n",
            p->name, p->digest);
    sb_adds(sb, "SELECT pg_advisory_xact_lock(1885827950, 2);  -- two setups at once: one at "
                "a time\n\n-- its roles\nDO $roles$\nDECLARE\n    r text;\nBEGIN\n"
                "    FOREACH r IN ARRAY ");
    const char **names = xcalloc(p->nroles ? p->nroles : 1, sizeof(char *));
    for (size_t i = 0; i < p->nroles; i++)
        names[i] = p->roles[i].name;
    text_array(sb, names, p->nroles);
    sb_adds(sb, " LOOP\n        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN\n"
                "            EXECUTE format('CREATE ROLE %I', r);\n        END IF;\n"
                "    END LOOP;\nEND\n$roles$;\n"
                "-- no role but the superuser running this bypasses anything; the admin logs "
                "in,\n-- the automation role's login and expiry are pgward stage up's\n");
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = &p->roles[i];
        sb_adds(sb, "ALTER ROLE ");
        ident(sb, r->name);
        /* NOINHERIT: the admin may SET ROLE to the automation role but does not hold
           its privileges meanwhile (what verify checks as the admin stays its own) */
        sb_adds(sb, r == admin ? " LOGIN NOINHERIT" : r == automation ? "" : " NOLOGIN");
        sb_adds(sb, " NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;\n");
    }

    if (admin) {
        /* the admin is the operator that applies: it writes the audit trail, and runs
           the automation role's bundles through SET ROLE (pgward apply --set-role) */
        sb_adds(sb, "\n-- the operator: writes the audit trail, applies as the automation "
                    "role\nGRANT pgward_audit_writer TO ");
        ident(sb, admin->name);
        sb_adds(sb, ";\n");
        /* and may SET ROLE to every restricted role: the probes of pgward verify run
           as each (NOINHERIT above: the admin does not hold their privileges) */
        for (size_t i = 0; i < p->nroles; i++) {
            const policy_role *r = &p->roles[i];
            if (r == admin || (r != automation && !r->restricted))
                continue;
            sb_adds(sb, "GRANT ");
            ident(sb, r->name);
            sb_adds(sb, " TO ");
            ident(sb, admin->name);
            sb_adds(sb, ";\n");
        }
    }
    sb_adds(sb, "\n-- its schemas, owned by the admin (protected ones by this superuser)\n");
    for (size_t i = 0; i < nschemas; i++) {
        bool prot = policy_is_protected(p, schemas[i]);
        sb_adds(sb, "CREATE SCHEMA IF NOT EXISTS ");
        ident(sb, schemas[i]);
        if (!prot && admin) {
            sb_adds(sb, " AUTHORIZATION ");
            ident(sb, admin->name);
            sb_adds(sb, ";\nALTER SCHEMA ");
            ident(sb, schemas[i]);
            sb_adds(sb, " OWNER TO ");
            ident(sb, admin->name);
        }
        sb_adds(sb, ";\n");
    }
    for (size_t i = 0; i < p->nextensions; i++) {
        sb_adds(sb, "CREATE EXTENSION IF NOT EXISTS ");
        ident(sb, p->extensions[i]);
        sb_adds(sb, " WITH SCHEMA public;\n");
    }
    sb_adds(sb, "SELECT set_config('pgward.admin', ");
    literal(sb, admin ? admin->name : "");
    sb_adds(sb, ", false);\n");
    free(names);
}

/* ------------------------------------------------------------------ RLS, status */

static void rls_and_status(strbuf *sb, const policy *p, const char **schemas, size_t nschemas)
{
    const policy_role *admin = policy_owner_role(p);
    const char **tables = xcalloc(p->nsensitive_tables + 1, sizeof(char *));
    const char **columns = xcalloc(p->nsensitive_columns + 1, sizeof(char *));
    for (size_t i = 0; i < p->nsensitive_tables; i++)
        tables[i] = p->sensitive_tables[i].source;
    for (size_t i = 0; i < p->nsensitive_columns; i++)
        columns[i] = p->sensitive_columns[i].source;
    sb_adds(sb, "\n-- row-level security on what the policy calls sensitive\n"
                "SELECT audit.enforce_sensitive_rls(");
    text_array(sb, tables, p->nsensitive_tables);
    sb_adds(sb, ", ");
    text_array(sb, columns, p->nsensitive_columns);
    sb_adds(sb, ", ");
    if (admin)
        literal(sb, admin->name);
    else
        sb_adds(sb, "NULL");
    sb_adds(sb, ");\n");

    /* restricted roles without ddl on a schema: they must not be able to CREATE there */
    size_t nlocked = 0, caplocked = 0;
    char **locked = NULL;
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = &p->roles[i];
        for (size_t k = 0; r->restricted && k < nschemas; k++) {
            if (policy_schema_classes(p, r, schemas[k]) & CLASS_DDL)
                continue;
            GROW(locked, caplocked, nlocked + 1);
            locked[nlocked++] = xasprintf("%s.%s", r->name, schemas[k]);
        }
    }
    const char **roles = xcalloc(p->nroles + 1, sizeof(char *));
    for (size_t i = 0; i < p->nroles; i++)
        roles[i] = p->roles[i].name;
    strbuf detail = {0};
    sb_adds(sb, "\n-- what was set up, for audit.bootstrap_status\n"
                "INSERT INTO audit.bootstrap_log (item, detail, names, patterns) VALUES\n    "
                "('schemas', ");
    for (size_t i = 0; i < nschemas; i++)
        sb_addf(&detail, "%s%s", i ? ", " : "", schemas[i]);
    literal(sb, detail.buf ? detail.buf : "");
    sb_adds(sb, ", ");
    text_array(sb, schemas, nschemas);
    sb_adds(sb, ", '{}'),\n    ('extensions', ");
    sb_truncate(&detail, 0);
    for (size_t i = 0; i < p->nextensions; i++)
        sb_addf(&detail, "%s%s", i ? ", " : "", p->extensions[i]);
    literal(sb, detail.buf ? detail.buf : "");
    sb_adds(sb, ", ");
    text_array(sb, (const char *const *)p->extensions, p->nextensions);
    sb_adds(sb, ", '{}'),\n    ('roles', ");
    sb_truncate(&detail, 0);
    for (size_t i = 0; i < p->nroles; i++)
        sb_addf(&detail, "%s%s", i ? ", " : "", roles[i]);
    literal(sb, detail.buf ? detail.buf : "");
    sb_adds(sb, ", ");
    text_array(sb, roles, p->nroles);
    sb_adds(sb, ", '{}'),\n    ('privileges', ");
    sb_truncate(&detail, 0);
    sb_addf(&detail, "as %s grants, with default privileges", p->name);
    literal(sb, detail.buf);
    sb_adds(sb, ", ");
    text_array(sb, (const char *const *)locked, nlocked);
    sb_adds(sb, ", '{}'),\n    ('row level security', 'enabled and forced on sensitive tables', ");
    text_array(sb, schemas, nschemas);
    sb_adds(sb, ", ");
    text_array(sb, tables, p->nsensitive_tables);
    sb_adds(sb, "),\n    ('audit', 'audit.runs, audit.statements, audit.files', '{}', '{}')\n"
                "ON CONFLICT (item) DO UPDATE SET detail = EXCLUDED.detail, names = "
                "EXCLUDED.names,\n    patterns = EXCLUDED.patterns, set_up_at = "
                "clock_timestamp(), set_up_by = session_user;\n");
    sb_free(&detail);
    for (size_t i = 0; i < nlocked; i++)
        free(locked[i]);
    free(locked);
    free(roles);
    free(tables);
    free(columns);
}

char *provision_sql(const policy *p)
{
    size_t nschemas;
    const char **schemas = provision_schemas(p, &nschemas);
    strbuf sb = {0};
    sb_adds(&sb, audit_sql);
    roles_schemas(&sb, p, schemas, nschemas);
    sb_adds(&sb, "\n");
    sb_adds(&sb, bootstrap_sql);
    sb_adds(&sb, "\n");
    char *grants = policy_grants_sql(p, NULL);
    sb_adds(&sb, grants);
    free(grants);
    rls_and_status(&sb, p, schemas, nschemas);
    free(schemas);
    return sb_detach(&sb, NULL);
}
