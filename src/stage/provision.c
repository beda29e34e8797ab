/*
 * provision.c: the setup script of a database for a policy; see provision.h.
 *
 * The roles, schemas and extensions come first (sql/bootstrap.sql needs them);
 * then every privilege the policy grants, asked of policy/query.h role by role and
 * schema by schema, so that what the stage sets up, what the gate proves and what
 * verify checks are one answer:
 *   any class on a schema   USAGE on it
 *   ddl                     CREATE on it
 *   select .. truncate      those privileges on its tables, now and (default
 *                           privileges of the admin, who owns the schemas) later
 *   insert                  USAGE on its sequences (identity columns), now and later
 *   a table grant           those privileges on the table, when it exists
 * call, dcl and maintenance have no privilege to grant. The admin (the first
 * unrestricted role) owns the families' schemas and the bridges and reads the
 * protected ones.
 */
#include "stage/provision.h"

#include <stdlib.h>
#include <string.h>

#include "audit_sql.h"
#include "base/util.h"
#include "bootstrap_sql.h"
#include "policy/query.h"
#include "staging_policy.h"

/* text between quote characters q, each q inside doubled: "name" quotes an SQL
   identifier, 'text' an SQL literal (standard_conforming_strings on). */
static void quoted(strbuf *sb, const char *text, char q)
{
    sb_addc(sb, q);
    for (const char *p = text; *p; p++) {
        if (*p == q)
            sb_addc(sb, q);
        sb_addc(sb, *p);
    }
    sb_addc(sb, q);
}

static void ident(strbuf *sb, const char *name)
{
    quoted(sb, name, '"');
}

static void literal(strbuf *sb, const char *text)
{
    quoted(sb, text, '\'');
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

static bool has(const char **items, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

const char **provision_schemas(const policy *p, size_t *n)
{
    size_t cap = 0;
    const char **out = NULL;
    *n = 0;
#define ADD(s)                                  \
    do {                                        \
        if (!has(out, *n, (s))) {               \
            GROW(out, cap, *n + 1);             \
            out[(*n)++] = (s);                  \
        }                                       \
    } while (0)
    for (size_t i = 0; i < p->nfamilies; i++)
        for (size_t k = 0; k < p->families[i].nschemas; k++)
            ADD(p->families[i].schemas[k]);
    for (size_t i = 0; i < p->nbridges; i++)
        ADD(p->bridges[i].schema);
    for (size_t i = 0; i < p->nprotected; i++)
        ADD(p->protected_schemas[i]);
#undef ADD
    return out;
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
        sb_adds(sb, r == admin ? " LOGIN" : r == automation ? "" : " NOLOGIN");
        sb_adds(sb, " NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;\n");
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
    sb_adds(sb, "-- nobody but the admin creates objects anywhere (PostgreSQL 15 already revokes\n"
                "-- CREATE on public from PUBLIC; said again for databases upgraded from older "
                "ones)\nREVOKE CREATE ON SCHEMA public FROM PUBLIC;\n"
                "DO $db$\nBEGIN\n"
                "    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());\n"
                "    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', current_database(), ");
    strbuf who = {0};
    for (size_t i = 0; i < p->nroles; i++) {
        sb_adds(&who, i ? ", " : "");
        ident(&who, p->roles[i].name);
    }
    literal(sb, who.buf ? who.buf : "");
    sb_free(&who);
    sb_adds(sb, ");\nEND\n$db$;\n");
    sb_adds(sb, "SELECT set_config('pgward.admin', ");
    literal(sb, admin ? admin->name : "");
    sb_adds(sb, ", false);\n");
    free(names);
}

/* ------------------------------------------------------------------ privileges */

static const struct {
    unsigned cls;
    const char *privilege;
} table_privileges[] = {
    {CLASS_SELECT, "SELECT"}, {CLASS_INSERT, "INSERT"}, {CLASS_UPDATE, "UPDATE"},
    {CLASS_DELETE, "DELETE"}, {CLASS_TRUNCATE, "TRUNCATE"},
};

/* "SELECT, INSERT" for the table classes of bits, or "" when none. */
static void privilege_list(strbuf *sb, unsigned bits)
{
    bool first = true;
    for (size_t i = 0; i < ARRAY_SIZE(table_privileges); i++) {
        if (!(bits & table_privileges[i].cls))
            continue;
        sb_adds(sb, first ? "" : ", ");
        sb_adds(sb, table_privileges[i].privilege);
        first = false;
    }
}

/* privs on all objects of a kind ("TABLES", "SEQUENCES") in schema, now and, with
   admin, on those admin creates there later. */
static void grant_on_all(strbuf *sb, const char *privs, const char *kind, const char *schema,
                         const policy_role *r, const policy_role *admin)
{
    sb_addf(sb, "GRANT %s ON ALL %s IN SCHEMA ", privs, kind);
    ident(sb, schema);
    sb_adds(sb, " TO ");
    ident(sb, r->name);
    sb_adds(sb, ";\n");
    if (!admin)
        return;
    sb_adds(sb, "ALTER DEFAULT PRIVILEGES FOR ROLE ");
    ident(sb, admin->name);
    sb_adds(sb, " IN SCHEMA ");
    ident(sb, schema);
    sb_addf(sb, " GRANT %s ON %s TO ", privs, kind);
    ident(sb, r->name);
    sb_adds(sb, ";\n");
}

static void schema_privileges(strbuf *sb, const policy *p, const policy_role *r,
                              const char *schema, const policy_role *admin)
{
    unsigned bits = policy_schema_classes(p, r, schema);
    if (!bits)
        return;
    sb_adds(sb, "GRANT USAGE");
    sb_adds(sb, bits & CLASS_DDL ? ", CREATE" : "");
    sb_adds(sb, " ON SCHEMA ");
    ident(sb, schema);
    sb_adds(sb, " TO ");
    ident(sb, r->name);
    sb_adds(sb, ";\n");
    strbuf privs = {0};
    privilege_list(&privs, bits);
    if (privs.len)
        grant_on_all(sb, privs.buf, "TABLES", schema, r, admin);
    sb_free(&privs);
    if (bits & CLASS_INSERT) /* identity columns: inserting needs the sequence */
        grant_on_all(sb, "USAGE", "SEQUENCES", schema, r, admin);
}

static void table_grant(strbuf *sb, const policy_role *r, const policy_grant *g)
{
    strbuf privs = {0};
    privilege_list(&privs, g->classes);
    if (privs.len) {
        const char *dot = strchr(g->target, '.');
        strbuf table = {0};
        sb_add(&table, "", 0);
        if (dot) {
            char *schema = xstrndup(g->target, (size_t)(dot - g->target));
            ident(&table, schema);
            sb_addc(&table, '.');
            ident(&table, dot + 1);
            free(schema);
        }
        sb_adds(sb, "DO $grant$\nBEGIN\n    IF to_regclass(");
        literal(sb, table.buf);
        sb_addf(sb, ") IS NOT NULL THEN\n        GRANT %s ON TABLE %s TO ", privs.buf, table.buf);
        ident(sb, r->name);
        sb_adds(sb, ";\n    END IF;\nEND\n$grant$;\n");
        sb_free(&table);
    }
    sb_free(&privs);
}

static void privileges(strbuf *sb, const policy *p, const char **schemas, size_t nschemas)
{
    const policy_role *admin = policy_owner_role(p);
    sb_adds(sb, "\n-- ------------------------------------------------------------------ "
                "what the policy grants\n");
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = &p->roles[i];
        if (r == admin)
            continue; /* it owns them */
        sb_adds(sb, "-- ");
        sb_adds(sb, r->name);
        sb_adds(sb, "\n");
        for (size_t k = 0; k < nschemas; k++)
            schema_privileges(sb, p, r, schemas[k], admin);
        for (size_t k = 0; k < r->ngrants; k++)
            if (r->grants[k].target_kind == TARGET_TABLE)
                table_grant(sb, r, &r->grants[k]);
    }
    for (size_t k = 0; admin && k < p->nprotected; k++) {
        sb_adds(sb, "-- the admin reads the protected schemas (pgward writes them)\n"
                    "GRANT SELECT ON ALL TABLES IN SCHEMA ");
        ident(sb, p->protected_schemas[k]);
        sb_adds(sb, " TO ");
        ident(sb, admin->name);
        sb_adds(sb, ";\n");
    }
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
    privileges(&sb, p, schemas, nschemas);
    rls_and_status(&sb, p, schemas, nschemas);
    free(schemas);
    return sb_detach(&sb, NULL);
}
