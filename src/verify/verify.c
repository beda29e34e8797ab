/*
 * verify.c: the gates of `pgward verify`, checked against a live database.
 *
 * Every gate reads the catalog (and, for the audit trail, audit.runs and the local
 * journal) and records evidence lines and problems in the report; nothing is printed
 * and nothing is written. The session is set default_transaction_read_only, and the
 * views are planned (EXPLAIN, never run) inside a READ ONLY transaction, one
 * savepoint per view, rolled back at the end.
 *
 * How the policy maps to PostgreSQL (README, "pgward verify"):
 *   select, insert, update, delete, truncate  the table privileges of those names
 *   ddl          schema CREATE, owning objects, REFERENCES and TRIGGER on tables,
 *                CREATE on the database (with ddl on some family)
 *   dcl          holding a privilege WITH GRANT OPTION
 *   sequences    USAGE where insert is granted somewhere in the schema, SELECT with
 *                select, UPDATE with update
 *   schema USAGE where the role has any grant or an allowed function in the schema
 *   EXECUTE      granted to the role itself (or a role it belongs to): only on its
 *                `allow function` list (PUBLIC's default EXECUTE is not counted)
 *   maintenance, call, copy: no privilege of their own in PostgreSQL 15
 * A privilege counts when the role holds it directly, through membership (any role
 * it can SET ROLE to) or by owning the object. Grants to PUBLIC are checked once,
 * for PUBLIC: USAGE on schemas outside the families, EXECUTE on functions and SELECT
 * on relations of protected schemas (the audit trail is readable evidence) are
 * allowed, nothing else.
 */
#include "verify/verify.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "audit/journal.h"
#include "base/util.h"
#include "conn/conn.h"
#include "policy/query.h"

/* Schemas that are not the system's (pg_catalog, pg_toast, temp schemas, ...). */
#define USER_NSP(n) "(" n ".nspname !~ '^pg_' AND " n ".nspname <> 'information_schema')"
#define UTC_TEXT(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define NOT_EXT_MEMBER(cls, oid)                                                        \
    "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" cls "'::regclass AND " \
    "e.objid = " oid " AND e.deptype = 'e')"
/* "" when the ACL entry is the role's own, else the role it holds it through. */
#define VIA "CASE WHEN a.grantee = r.oid THEN '' ELSE pg_get_userbyid(a.grantee) END"
#define REL_ACL                                                                         \
    "aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' "      \
    "ELSE 'r' END::\"char\", c.relowner)))"
#define REL_KINDS "c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"

/* At most this many isolated families are told apart (bits of a uint64_t). */
#define MAX_ISOLATED 64

typedef struct vctx {
    PGconn *c;
    const policy *p;
    verify_report *r;
    char *err;               /* a fatal error: verify_database returns -1 */
    char **schemas;          /* the database's user schemas */
    char **owners;
    int *iso;                /* each one's isolated family (index into p->isolated) or -1 */
    size_t nschemas, capschemas, capowners, capiso;
} vctx;

/* ------------------------------------------------------------------ helpers */

static void add_line(char ***items, size_t *n, size_t *cap, const char *fmt, va_list ap)
    PRINTF_LIKE(4, 0);
static void add_line(char ***items, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
    GROW(*items, *cap, *n + 1);
    (*items)[(*n)++] = xvasprintf(fmt, ap);
}

static void evidence(verify_gate *g, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void evidence(verify_gate *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&g->evidence, &g->nevidence, &g->capevidence, fmt, ap);
    va_end(ap);
}

static void problem(verify_gate *g, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void problem(verify_gate *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&g->problems, &g->nproblems, &g->capproblems, fmt, ap);
    va_end(ap);
}

static verify_gate *gate_add(vctx *v, const char *id, const char *title)
{
    verify_report *r = v->r;
    GROW(r->gates, r->capgates, r->ngates + 1);
    verify_gate *g = &r->gates[r->ngates++];
    memset(g, 0, sizeof(*g));
    g->id = id;
    g->title = title;
    return g;
}

/* Runs a query; NULL with *msg ("message [SQLSTATE x]") when it fails. A lost
   connection is also fatal (v->err). */
static PGresult *run_query(vctx *v, const char *sql, int n, const char *const *params,
                           char **msg)
{
    PGresult *res = PQexecParams(v->c, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    char *m = conn_error_message(v->c, res);
    const char *state = conn_sqlstate(res);
    *msg = *state ? xasprintf("%s [SQLSTATE %s]", m, state) : xstrdup(m);
    free(m);
    PQclear(res);
    if (PQstatus(v->c) != CONNECTION_OK && !v->err)
        v->err = xasprintf("lost the connection to the server: %s", *msg);
    return NULL;
}

/* A catalog query that must work: NULL after setting v->err. */
static PGresult *q(vctx *v, const char *what, const char *sql, int n, const char *const *params)
{
    if (v->err)
        return NULL;
    char *msg = NULL;
    PGresult *res = run_query(v, sql, n, params, &msg);
    if (!res && !v->err)
        v->err = xasprintf("%s: %s", what, msg);
    free(msg);
    return res;
}

static const char *val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static bool tval(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && strcmp(PQgetvalue(res, row, col), "t") == 0;
}

static long lval(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtol(PQgetvalue(res, row, col), NULL, 10);
}

/* "select, insert" for a set of classes, "none" when empty. */
static char *class_list(unsigned bits)
{
    strbuf sb = {0};
    for (size_t k = 0; k < stmt_nclasses; k++)
        if (bits & stmt_class_bits[k])
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", stmt_class_names[k]);
    if (!sb.len)
        sb_adds(&sb, "none");
    return sb_detach(&sb, NULL);
}

static bool list_has(char *const *items, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

/* "3h05m", "2d04h", "45s": a duration for people. */
static char *duration_text(long long secs)
{
    if (secs < 0)
        secs = -secs;
    if (secs < 60)
        return xasprintf("%llds", secs);
    if (secs < 3600)
        return xasprintf("%lldm%02llds", secs / 60, secs % 60);
    if (secs < 86400)
        return xasprintf("%lldh%02lldm", secs / 3600, secs % 3600 / 60);
    return xasprintf("%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
}

/* The isolated family (index into p->isolated) of a schema, or -1; only the first
   MAX_ISOLATED families are told apart. */
static int iso_of(const policy *p, const char *schema)
{
    int i = policy_isolated_index(p, schema);
    return i < MAX_ISOLATED ? i : -1;
}

static int schema_iso(const vctx *v, const char *schema)
{
    for (size_t i = 0; i < v->nschemas; i++)
        if (strcmp(v->schemas[i], schema) == 0)
            return v->iso[i];
    return iso_of(v->p, schema);
}

/* ------------------------------------------------------------------ the role's grants */

/* The class a table privilege needs (0: unknown privilege, treated as ddl). */
static unsigned table_priv_class(const char *priv)
{
    static const struct {
        const char *name;
        unsigned cls;
    } map[] = {
        {"SELECT", CLASS_SELECT},   {"INSERT", CLASS_INSERT},     {"UPDATE", CLASS_UPDATE},
        {"DELETE", CLASS_DELETE},   {"TRUNCATE", CLASS_TRUNCATE}, {"REFERENCES", CLASS_DDL},
        {"TRIGGER", CLASS_DDL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (strcmp(map[i].name, priv) == 0)
            return map[i].cls;
    return CLASS_DDL;
}

static const char *relkind_word(const char *kind)
{
    switch (kind ? kind[0] : '?') {
    case 'r':
        return "table";
    case 'p':
        return "partitioned table";
    case 'v':
        return "view";
    case 'm':
        return "materialized view";
    case 'f':
        return "foreign table";
    case 'S':
        return "sequence";
    default:
        return "relation";
    }
}

/* "granted directly by X" / "through membership in Y, granted by X". */
static char *how_held(const char *via, const char *grantor)
{
    if (!via || !*via)
        return xasprintf("granted directly by %s", grantor ? grantor : "?");
    return xasprintf("through membership in %s, granted by %s", via, grantor ? grantor : "?");
}

/* ------------------------------------------------------------------ header */

static void read_header(vctx *v)
{
    PGresult *h = q(v, "cannot read the server's identity",
                    "SELECT version(), current_database(), current_user, " UTC_TEXT("now()")
                    ", " UTC_TEXT("pg_postmaster_start_time()"),
                    0, NULL);
    if (!h)
        return;
    v->r->server_version = xstrdup(PQgetvalue(h, 0, 0));
    v->r->database = xstrdup(PQgetvalue(h, 0, 1));
    v->r->user = xstrdup(PQgetvalue(h, 0, 2));
    v->r->time = xstrdup(PQgetvalue(h, 0, 3));
    v->r->server_started = xstrdup(PQgetvalue(h, 0, 4));
    PQclear(h);

    PGresult *s = q(v, "cannot list the schemas",
                    "SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n "
                    "WHERE " USER_NSP("n") " ORDER BY 1",
                    0, NULL);
    if (!s)
        return;
    for (int i = 0; i < PQntuples(s); i++) {
        GROW(v->schemas, v->capschemas, v->nschemas + 1);
        GROW(v->owners, v->capowners, v->nschemas + 1);
        GROW(v->iso, v->capiso, v->nschemas + 1);
        v->schemas[v->nschemas] = xstrdup(PQgetvalue(s, i, 0));
        v->owners[v->nschemas] = xstrdup(PQgetvalue(s, i, 1));
        v->iso[v->nschemas] = iso_of(v->p, PQgetvalue(s, i, 0));
        v->nschemas++;
    }
    PQclear(s);
}

/* ------------------------------------------------------------------ schemas */

static void gate_schemas(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "schemas", "the policy's schemas exist");
    char **req = NULL, **why = NULL;
    size_t n = 0, cap = 0, capw = 0;
#define REQUIRE(s, w)                                                                   \
    do {                                                                                \
        if (!list_has(req, n, (s))) {                                                   \
            GROW(req, cap, n + 1);                                                      \
            GROW(why, capw, n + 1);                                                     \
            req[n] = (s);                                                               \
            why[n++] = (w);                                                             \
        }                                                                               \
    } while (0)
    for (size_t i = 0; i < p->nfamilies; i++)
        for (size_t k = 0; k < p->families[i].nschemas; k++)
            REQUIRE(p->families[i].schemas[k], xasprintf("family %s", p->families[i].name));
    for (size_t i = 0; i < p->nbridges; i++)
        REQUIRE(p->bridges[i].schema, xstrdup("bridge"));
    for (size_t i = 0; i < p->nprotected; i++)
        REQUIRE(p->protected_schemas[i], xstrdup("protected"));
#undef REQUIRE
    if (n == 0)
        evidence(g, "the policy names no schema");
    for (size_t i = 0; i < n; i++) {
        const char *owner = NULL;
        for (size_t k = 0; k < v->nschemas; k++)
            if (strcmp(v->schemas[k], req[i]) == 0)
                owner = v->owners[k];
        if (owner)
            evidence(g, "%s (%s): present, owner %s", req[i], why[i], owner);
        else
            problem(g, "schema %s (%s) does not exist", req[i], why[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(why[i]);
    free(why);
    free(req);
}

/* ------------------------------------------------------------------ extensions */

static void gate_extensions(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "extensions", "the policy's extensions are installed");
    if (p->nextensions == 0) {
        evidence(g, "the policy requires no extension");
        return;
    }
    PGresult *res = q(v, "cannot list the extensions",
                      "SELECT e.extname, e.extversion, n.nspname, NULL FROM pg_extension e "
                      "JOIN pg_namespace n ON n.oid = e.extnamespace "
                      "UNION ALL "
                      "SELECT a.name, NULL, NULL, a.default_version "
                      "FROM pg_available_extensions a WHERE a.installed_version IS NULL",
                      0, NULL);
    if (!res)
        return;
    for (size_t i = 0; i < p->nextensions; i++) {
        int row = -1;
        for (int k = 0; k < PQntuples(res); k++)
            if (strcmp(PQgetvalue(res, k, 0), p->extensions[i]) == 0)
                row = k;
        if (row >= 0 && val(res, row, 1))
            evidence(g, "%s %s: installed in schema %s", p->extensions[i], val(res, row, 1),
                     val(res, row, 2) ? val(res, row, 2) : "?");
        else if (row >= 0)
            problem(g, "extension %s is not installed (the server offers version %s)",
                    p->extensions[i], val(res, row, 3) ? val(res, row, 3) : "?");
        else
            problem(g, "extension %s is not installed (the server does not offer it)",
                    p->extensions[i]);
    }
    PQclear(res);
}

/* ------------------------------------------------------------------ row_security */

static bool setting_on(const char *s)
{
    return ascii_strcasecmp(s, "on") == 0 || ascii_strcasecmp(s, "true") == 0 ||
           ascii_strcasecmp(s, "yes") == 0 || strcmp(s, "1") == 0;
}

static void gate_row_security(vctx *v)
{
    verify_gate *g = gate_add(v, "row-security", "row_security is on");
    PGresult *res = q(v, "cannot read row_security", "SELECT current_setting('row_security')", 0,
                      NULL);
    if (!res)
        return;
    const char *s = PQgetvalue(res, 0, 0);
    if (setting_on(s))
        evidence(g, "SHOW row_security: %s", s);
    else
        problem(g, "SHOW row_security: %s (row-level security is not enforced by default)", s);
    PQclear(res);
    res = q(v, "cannot read the role and database settings",
            "SELECT coalesce(r.rolname, 'every role'), coalesce(d.datname, 'every database'), "
            "substr(c, 14) FROM pg_db_role_setting x "
            "LEFT JOIN pg_roles r ON r.oid = x.setrole "
            "LEFT JOIN pg_database d ON d.oid = x.setdatabase "
            "CROSS JOIN LATERAL unnest(x.setconfig) c "
            "WHERE (x.setdatabase = 0 OR d.datname = current_database()) "
            "AND lower(c) LIKE 'row\\_security=%' ORDER BY 1, 2",
            0, NULL);
    if (!res)
        return;
    size_t off = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (setting_on(PQgetvalue(res, i, 2)))
            continue;
        off++;
        problem(g, "row_security = %s is set for %s in %s", PQgetvalue(res, i, 2),
                PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    }
    if (!off)
        evidence(g, "no role or database setting turns it off");
    PQclear(res);
}

/* ------------------------------------------------------------------ sensitive tables */

static void gate_sensitive_rls(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "sensitive-rls",
                              "sensitive tables have row-level security enabled, forced and a "
                              "policy");
    if (p->nsensitive_tables == 0 && p->nsensitive_columns == 0) {
        evidence(g, "the policy declares no sensitive table or column pattern");
        return;
    }
    PGresult *res = q(
        v, "cannot list the tables",
        "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "coalesce((SELECT json_agg(p.polname ORDER BY p.polname) FROM pg_policy p "
        "          WHERE p.polrelid = c.oid), '[]'), "
        "coalesce((SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a "
        "          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND " USER_NSP("n") " ORDER BY 1, 2",
        0, NULL);
    if (!res)
        return;
    size_t nsens = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char *qname = xasprintf("%s.%s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        strbuf why = {0}, pols = {0};
        if (policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, qname))
            sb_adds(&why, "name");
        cJSON *cols = cJSON_Parse(PQgetvalue(res, i, 5));
        const cJSON *col;
        strbuf colnames = {0};
        size_t ncols = 0;
        cJSON_ArrayForEach(col, cols)
        {
            if (cJSON_IsString(col) &&
                policy_patterns_match(p->sensitive_columns, p->nsensitive_columns,
                                      col->valuestring)) {
                sb_addf(&colnames, "%s%s", ncols ? ", " : "", col->valuestring);
                ncols++;
            }
        }
        if (ncols)
            sb_addf(&why, "%scolumn%s %s", why.len ? "; " : "", ncols == 1 ? "" : "s",
                    colnames.buf);
        sb_free(&colnames);
        cJSON_Delete(cols);
        if (why.len) {
            nsens++;
            cJSON *pl = cJSON_Parse(PQgetvalue(res, i, 4));
            const cJSON *it;
            size_t npol = 0;
            cJSON_ArrayForEach(it, pl)
            {
                if (cJSON_IsString(it))
                    sb_addf(&pols, "%s%s", npol++ ? ", " : "", it->valuestring);
            }
            cJSON_Delete(pl);
            bool on = tval(res, i, 2), forced = tval(res, i, 3);
            if (on && forced && npol)
                evidence(g, "%s (sensitive: %s): RLS enabled and forced; policies: %s", qname,
                         why.buf, pols.buf);
            else
                problem(g, "%s (sensitive: %s): RLS %s, %s; %s%s", qname, why.buf,
                        on ? "enabled" : "NOT enabled", forced ? "forced" : "NOT forced",
                        npol ? "policies: " : "no policy", npol ? pols.buf : "");
        }
        sb_free(&why);
        sb_free(&pols);
        free(qname);
    }
    evidence(g, "%zu sensitive of %d tables", nsens, PQntuples(res));
    PQclear(res);
}

/* ------------------------------------------------------------------ roles */

static void gate_roles(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "roles",
                              "the policy's roles exist; only the bootstrap superuser has "
                              "SUPERUSER or BYPASSRLS; restricted roles lack CREATEROLE, "
                              "CREATEDB, REPLICATION");
    PGresult *res = q(
        v, "cannot list the roles",
        "SELECT r.rolname, r.oid = 10, r.rolsuper, r.rolbypassrls, r.rolcreaterole, "
        "r.rolcreatedb, r.rolreplication, r.rolcanlogin, "
        "coalesce((SELECT string_agg(m.roleid::regrole::text, ', ' "
        "                            ORDER BY m.roleid::regrole::text) "
        "          FROM pg_auth_members m WHERE m.member = r.oid), '') "
        "FROM pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY r.rolname",
        0, NULL);
    if (!res)
        return;
    static const char *const attr[] = {"SUPERUSER", "BYPASSRLS", "CREATEROLE", "CREATEDB",
                                       "REPLICATION"};
    size_t others = 0;
    for (size_t k = 0; k < p->nroles; k++) {
        const policy_role *rl = &p->roles[k];
        int row = -1;
        for (int i = 0; i < PQntuples(res); i++)
            if (strcmp(PQgetvalue(res, i, 0), rl->name) == 0)
                row = i;
        if (row < 0) {
            problem(g, "role %s of the policy does not exist", rl->name);
            continue;
        }
        strbuf sb = {0};
        for (int a = 0; a < 5; a++)
            if (tval(res, row, 2 + a))
                sb_addf(&sb, "%s ", attr[a]);
        sb_adds(&sb, tval(res, row, 7) ? "LOGIN" : "NOLOGIN");
        const char *member = PQgetvalue(res, row, 8);
        evidence(g, "%s (%s): %s; member of: %s", rl->name,
                 rl->restricted ? "restricted" : "unrestricted", sb.buf,
                 *member ? member : "none");
        sb_free(&sb);
        if (rl->restricted)
            for (int a = 2; a < 5; a++)
                if (tval(res, row, 2 + a))
                    problem(g, "%s is restricted but has %s", rl->name, attr[a]);
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        if (tval(res, i, 1)) {
            evidence(g, "bootstrap superuser: %s", name);
            continue;
        }
        if (!policy_find_role(p, name))
            others++;
        if (tval(res, i, 2))
            problem(g, "%s has SUPERUSER (only the bootstrap superuser may)", name);
        if (tval(res, i, 3))
            problem(g, "%s has BYPASSRLS (row-level security does not apply to it)", name);
    }
    evidence(g, "%zu other role%s checked for SUPERUSER and BYPASSRLS", others,
             others == 1 ? "" : "s");
    PQclear(res);
}

/* ------------------------------------------------------------------ privileges */

/* What a role holds in one schema, for the evidence line. */
typedef struct priv_sum {
    char *schema;
    unsigned privs;          /* bits of priv_words */
    long nrels;
    char *last;              /* last relation counted */
} priv_sum;

static const char *const priv_words[] = {"USAGE",  "CREATE",   "SELECT",     "INSERT",
                                         "UPDATE", "DELETE",   "TRUNCATE",   "REFERENCES",
                                         "TRIGGER", "EXECUTE"};

static unsigned priv_bit(const char *priv)
{
    for (size_t i = 0; i < ARRAY_SIZE(priv_words); i++)
        if (strcmp(priv_words[i], priv) == 0)
            return 1u << i;
    return 0;
}

static priv_sum *sum_for(priv_sum **sums, size_t *n, size_t *cap, const char *schema)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*sums)[i].schema, schema) == 0)
            return &(*sums)[i];
    GROW(*sums, *cap, *n + 1);
    priv_sum *s = &(*sums)[(*n)++];
    memset(s, 0, sizeof(*s));
    s->schema = xstrdup(schema);
    return s;
}

static void sum_words(strbuf *sb, unsigned privs, unsigned mask)
{
    bool first = true;
    for (size_t i = 0; i < ARRAY_SIZE(priv_words); i++)
        if (privs & mask & (1u << i)) {
            sb_addf(sb, "%s%s", first ? "" : ", ", priv_words[i]);
            first = false;
        }
}

#define SCHEMA_PRIVS ((1u << 0) | (1u << 1))

static const char q_rel_privs[] =
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, a.is_grantable, " VIA ", "
    "pg_get_userbyid(a.grantor), NULL::name "
    "FROM pg_roles r CROSS JOIN pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL " REL_ACL " a "
    "WHERE r.rolname = $1 AND " REL_KINDS " AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "UNION ALL "
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, a.is_grantable, " VIA ", "
    "pg_get_userbyid(a.grantor), t.attname "
    "FROM pg_roles r CROSS JOIN pg_attribute t JOIN pg_class c ON c.oid = t.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(t.attacl) a "
    "WHERE r.rolname = $1 AND t.attacl IS NOT NULL AND t.attnum > 0 AND NOT t.attisdropped "
    "AND " REL_KINDS " AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "ORDER BY 1, 2, 8 NULLS FIRST, 4";

static const char q_nsp_privs[] =
    "SELECT n.nspname, a.privilege_type, a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_namespace n "
    "CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, n.nspowner, 'MEMBER') "
    "ORDER BY 1, 2";

static const char q_fn_privs[] =
    "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
    "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, "
    "a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid") " "
    "AND a.grantee <> 0 AND pg_has_role(r.oid, a.grantee, 'MEMBER') "
    "AND NOT pg_has_role(r.oid, p.proowner, 'MEMBER') ORDER BY 1, 2, 3";

static const char q_owned[] =
    "SELECT 'schema', n.nspname, NULL, pg_get_userbyid(n.nspowner) "
    "FROM pg_roles r CROSS JOIN pg_namespace n "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND pg_has_role(r.oid, n.nspowner, 'MEMBER') "
    "UNION ALL "
    "SELECT c.relkind::text, n.nspname, c.relname, pg_get_userbyid(c.relowner) "
    "FROM pg_roles r CROSS JOIN pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE r.rolname = $1 AND " REL_KINDS " AND " USER_NSP("n") " "
    "AND pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "UNION ALL "
    "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' "
    "ELSE 'function' END, n.nspname, "
    "p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
    "pg_get_userbyid(p.proowner) "
    "FROM pg_roles r CROSS JOIN pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid") " "
    "AND pg_has_role(r.oid, p.proowner, 'MEMBER') "
    "UNION ALL "
    "SELECT 'database', NULL, d.datname, pg_get_userbyid(d.datdba) "
    "FROM pg_roles r CROSS JOIN pg_database d "
    "WHERE r.rolname = $1 AND d.datname = current_database() "
    "AND pg_has_role(r.oid, d.datdba, 'MEMBER') "
    "ORDER BY 1, 2, 3";

static const char q_db_privs[] =
    "SELECT a.privilege_type, a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_database d "
    "CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
    "WHERE r.rolname = $1 AND d.datname = current_database() AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, d.datdba, 'MEMBER')";

static const char q_predefined[] =
    "SELECT g.rolname FROM pg_roles r CROSS JOIN pg_roles g "
    "WHERE r.rolname = $1 AND g.rolname ~ '^pg_' AND g.rolname <> 'pg_database_owner' "
    "AND g.oid <> r.oid AND pg_has_role(r.oid, g.oid, 'MEMBER') ORDER BY 1";

static const char q_default_privs[] =
    "SELECT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, a.privilege_type, "
    "a.is_grantable, " VIA " "
    "FROM pg_roles r CROSS JOIN pg_default_acl d "
    "LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
    "CROSS JOIN LATERAL aclexplode(d.defaclacl) a "
    "WHERE r.rolname = $1 AND a.grantee <> 0 AND pg_has_role(r.oid, a.grantee, 'MEMBER') "
    "AND NOT pg_has_role(r.oid, d.defaclrole, 'MEMBER') ORDER BY 1, 2, 3, 4";

/* Checks one restricted role's privileges; adds its evidence line and problems. */
static void check_restricted_role(vctx *v, verify_gate *g, const policy_role *rl)
{
    const policy *p = v->p;
    const char *params[] = {rl->name};
    priv_sum *sums = NULL;
    size_t nsums = 0, capsums = 0, extra = 0, nexec = 0;
    strbuf owned = {0};

    PGresult *res = q(v, "cannot read the role's table privileges", q_rel_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        const char *kind = PQgetvalue(res, i, 2), *priv = PQgetvalue(res, i, 3);
        const char *col = val(res, i, 7);
        bool grantable = tval(res, i, 4);
        unsigned need, have;
        if (kind[0] == 'S' && strcmp(priv, "USAGE") == 0) {
            need = CLASS_INSERT;
            have = policy_table_classes(p, rl, schema, NULL);
        } else {
            need = table_priv_class(priv);
            have = policy_table_classes(p, rl, schema, rel);
        }
        priv_sum *s = sum_for(&sums, &nsums, &capsums, schema);
        s->privs |= priv_bit(priv);
        if (!s->last || strcmp(s->last, rel) != 0) {
            free(s->last);
            s->last = xstrdup(rel);
            s->nrels++;
        }
        bool ok = (have & need) && (!grantable || (have & CLASS_DCL));
        if (ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 5), val(res, i, 6));
        char *classes = class_list(have);
        char *target = col ? xasprintf("%s (%s) on %s %s.%s", priv, col, relkind_word(kind),
                                       schema, rel)
                           : xasprintf("%s on %s %s.%s", priv, relkind_word(kind), schema, rel);
        if (have & need)
            problem(g, "%s holds %s WITH GRANT OPTION (%s): its grants there lack dcl (%s)",
                    rl->name, target, how, classes);
        else
            problem(g, "%s holds %s (%s): beyond its grants there (%s)", rl->name, target, how,
                    classes);
        free(target);
        free(classes);
        free(how);
    }
    PQclear(res);

    res = q(v, "cannot read the role's schema privileges", q_nsp_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *priv = PQgetvalue(res, i, 1);
        bool grantable = tval(res, i, 2);
        unsigned have = policy_schema_classes(p, rl, schema);
        bool ok;
        const char *why;
        if (strcmp(priv, "CREATE") == 0) {
            ok = have & CLASS_DDL;
            why = "CREATE needs ddl on the schema";
        } else {
            ok = policy_table_classes(p, rl, schema, NULL) || policy_function_allowed_in(rl, schema, NULL);
            why = "USAGE needs a grant or an allowed function there";
        }
        if (ok && grantable && !(have & CLASS_DCL)) {
            ok = false;
            why = "WITH GRANT OPTION needs dcl on the schema";
        }
        sum_for(&sums, &nsums, &capsums, schema)->privs |= priv_bit(priv);
        if (ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 3), val(res, i, 4));
        char *classes = class_list(have);
        problem(g, "%s holds %s on schema %s (%s): %s (its grants there: %s)", rl->name, priv,
                schema, how, why, classes);
        free(classes);
        free(how);
    }
    PQclear(res);

    res = q(v, "cannot read the role's function privileges", q_fn_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        nexec++;
        bool allowed = policy_function_allowed_in(rl, schema, name);
        bool grant_ok = !tval(res, i, 4) || (policy_schema_classes(p, rl, schema) & CLASS_DCL);
        if (allowed && grant_ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 5), val(res, i, 6));
        problem(g, "%s holds EXECUTE%s on %s %s.%s(%s) (%s): %s", rl->name,
                grant_ok ? "" : " WITH GRANT OPTION", PQgetvalue(res, i, 3), schema, name,
                PQgetvalue(res, i, 2), how,
                allowed ? "its grants there lack dcl" : "not on its allow function list");
        free(how);
    }
    PQclear(res);

    res = q(v, "cannot read what the role owns", q_owned, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 0), *schema = val(res, i, 1);
        const char *name = val(res, i, 2), *owner = PQgetvalue(res, i, 3);
        const char *word = strlen(kind) == 1 ? relkind_word(kind) : kind;
        char *what = strcmp(kind, "schema") == 0 ? xasprintf("schema %s", schema)
                     : schema                    ? xasprintf("%s %s.%s", word, schema, name)
                                                 : xasprintf("%s %s", word, name);
        char *as = strcmp(owner, rl->name) == 0 ? xstrdup("")
                                                 : xasprintf(" (through membership in %s)", owner);
        sb_addf(&owned, "%s%s", owned.len ? ", " : "", what);
        if (!schema) {
            extra++;
            problem(g, "%s owns %s%s: a restricted role may not own the database", rl->name,
                    what, as);
        } else if (!(policy_schema_classes(p, rl, schema) & CLASS_DDL)) {
            extra++;
            char *classes = class_list(policy_schema_classes(p, rl, schema));
            problem(g, "%s owns %s%s: owning needs ddl on %s (its grants there: %s)", rl->name,
                    what, as, schema, classes);
            free(classes);
        }
        free(as);
        free(what);
    }
    PQclear(res);

    res = q(v, "cannot read the role's database privileges", q_db_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *priv = PQgetvalue(res, i, 0);
        if (strcmp(priv, "CREATE") != 0 || policy_ddl_on_some_family(rl))
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 2), val(res, i, 3));
        problem(g, "%s holds CREATE on database %s (%s): creating schemas needs ddl on a family",
                rl->name, v->r->database, how);
        free(how);
    }
    PQclear(res);

    res = q(v, "cannot read the role's memberships", q_predefined, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        extra++;
        problem(g, "%s is a member of the predefined role %s", rl->name, PQgetvalue(res, i, 0));
    }
    PQclear(res);

    res = q(v, "cannot read the default privileges", q_default_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *creator = PQgetvalue(res, i, 0), *schema = val(res, i, 1);
        char type = PQgetvalue(res, i, 2)[0];
        const char *priv = PQgetvalue(res, i, 3);
        bool grantable = tval(res, i, 4);
        unsigned have = schema ? policy_schema_classes(p, rl, schema) : 0;
        unsigned need = table_priv_class(priv);
        const char *objects;
        switch (type) {
        case 'r':
            objects = "tables";
            break;
        case 'S':
            if (strcmp(priv, "USAGE") == 0) {
                need = CLASS_INSERT;
                have = schema ? policy_table_classes(p, rl, schema, NULL) : 0;
            }
            objects = "sequences";
            break;
        case 'f':
            have = 0; /* never covered: future functions are on no allowlist */
            objects = "functions";
            break;
        case 'n':
            need = strcmp(priv, "CREATE") == 0 ? CLASS_DDL : 0;
            have = policy_ddl_on_some_family(rl) ? CLASS_DDL : 0;
            objects = "schemas";
            break;
        default:
            need = 0; /* types: USAGE */
            objects = "types";
            break;
        }
        if (!need || ((have & need) && (!grantable || (have & CLASS_DCL))))
            continue;
        extra++;
        char *via = PQgetvalue(res, i, 5)[0]
                        ? xasprintf(", through membership in %s", PQgetvalue(res, i, 5))
                        : xstrdup("");
        char *list = class_list(have);
        char *reason = type == 'f'
                           ? xstrdup("future functions are on no allow function list")
                           : xasprintf("beyond its grants there (%s)", list);
        problem(g, "%s gets %s%s on the %s %s creates %s%s (default privileges%s): %s", rl->name,
                priv, grantable ? " WITH GRANT OPTION" : "", objects, creator,
                schema ? "in schema " : "in every schema", schema ? schema : "", via, reason);
        free(reason);
        free(list);
        free(via);
    }
    PQclear(res);

    /* the evidence line */
    strbuf sb = {0};
    sb_addf(&sb, "%s (restricted): ", rl->name);
    size_t before = sb.len;
    for (size_t i = 0; i < nsums; i++) {
        priv_sum *s = &sums[i];
        sb_addf(&sb, "%s%s: ", sb.len > before ? "; " : "", s->schema);
        if (s->privs & SCHEMA_PRIVS) {
            sum_words(&sb, s->privs, SCHEMA_PRIVS);
            sb_adds(&sb, " on the schema");
        }
        if (s->nrels) {
            sb_adds(&sb, (s->privs & SCHEMA_PRIVS) ? ", " : "");
            sum_words(&sb, s->privs, ~SCHEMA_PRIVS);
            sb_addf(&sb, " on %ld relation%s", s->nrels, s->nrels == 1 ? "" : "s");
        }
        free(s->schema);
        free(s->last);
    }
    free(sums);
    if (sb.len == before)
        sb_adds(&sb, "no privileges of its own");
    if (nexec)
        sb_addf(&sb, "; EXECUTE granted on %zu function%s", nexec, nexec == 1 ? "" : "s");
    else
        sb_adds(&sb, "; no EXECUTE granted to it");
    sb_addf(&sb, "; owns %s; %s", owned.len ? owned.buf : "nothing",
            extra ? "BEYOND its grants" : "within its grants");
    evidence(g, "%s", sb.buf);
    sb_free(&sb);
    sb_free(&owned);
}

static const char q_public_rel[] =
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, pg_get_userbyid(a.grantor), "
    "NULL::name "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL " REL_ACL
    " a WHERE " REL_KINDS " AND " USER_NSP("n") " AND a.grantee = 0 AND "
    NOT_EXT_MEMBER("pg_class", "c.oid") " "
    "UNION ALL "
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, pg_get_userbyid(a.grantor), "
    "t.attname "
    "FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(t.attacl) a "
    "WHERE t.attacl IS NOT NULL AND t.attnum > 0 AND NOT t.attisdropped AND " REL_KINDS
    " AND " USER_NSP("n") " AND a.grantee = 0 AND " NOT_EXT_MEMBER("pg_class", "c.oid") " "
    "ORDER BY 1, 2, 6 NULLS FIRST, 4";

static const char q_public_other[] =
    "SELECT 'schema', n.nspname, a.privilege_type, pg_get_userbyid(a.grantor) "
    "FROM pg_namespace n "
    "CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
    "WHERE " USER_NSP("n") " AND a.grantee = 0 "
    "UNION ALL "
    "SELECT 'database', d.datname, a.privilege_type, pg_get_userbyid(a.grantor) "
    "FROM pg_database d "
    "CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
    "WHERE d.datname = current_database() AND a.grantee = 0 "
    "UNION ALL "
    "SELECT 'default ' || d.defaclobjtype::text, coalesce(n.nspname, ''), a.privilege_type, "
    "pg_get_userbyid(d.defaclrole) "
    "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
    "CROSS JOIN LATERAL aclexplode(d.defaclacl) a WHERE a.grantee = 0 "
    "ORDER BY 1, 2, 3";

/* PUBLIC: every role holds what it holds. */
static void check_public(vctx *v, verify_gate *g)
{
    const policy *p = v->p;
    strbuf usage = {0}, reads = {0};
    PGresult *res = q(v, "cannot read the privileges of PUBLIC", q_public_rel, 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        const char *priv = PQgetvalue(res, i, 3), *col = val(res, i, 5);
        if (strcmp(priv, "SELECT") == 0 && policy_is_protected(p, schema)) {
            sb_addf(&reads, "%s%s.%s%s%s%s", reads.len ? ", " : "", schema, rel,
                    col ? " (" : "", col ? col : "", col ? ")" : "");
            continue;
        }
        problem(g, "PUBLIC holds %s%s%s%s on %s %s.%s (granted by %s): every role gets it",
                priv, col ? " (" : "", col ? col : "", col ? ")" : "",
                relkind_word(PQgetvalue(res, i, 2)), schema, rel, PQgetvalue(res, i, 4));
    }
    PQclear(res);
    res = q(v, "cannot read the privileges of PUBLIC", q_public_other, 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        const char *priv = PQgetvalue(res, i, 2), *by = PQgetvalue(res, i, 3);
        if (strcmp(kind, "schema") == 0) {
            const policy_family *fam = policy_family_of(p, name);
            if (strcmp(priv, "USAGE") == 0 && !fam)
                sb_addf(&usage, "%s%s", usage.len ? ", " : "", name);
            else if (strcmp(priv, "USAGE") == 0)
                problem(g, "PUBLIC holds USAGE on schema %s of family %s (granted by %s): every "
                           "role reaches its functions",
                        name, fam->name, by);
            else
                problem(g, "PUBLIC holds %s on schema %s (granted by %s): every role gets it",
                        priv, name, by);
        } else if (strcmp(kind, "database") == 0) {
            if (strcmp(priv, "CREATE") == 0)
                problem(g, "PUBLIC holds CREATE on database %s: every role may create schemas",
                        name);
        } else {
            char type = kind[8];
            bool ok = type == 'f' || type == 'T' || (type == 'n' && strcmp(priv, "USAGE") == 0) ||
                      ((type == 'r' || type == 'S') && strcmp(priv, "SELECT") == 0 && *name &&
                       policy_is_protected(p, name));
            if (!ok)
                problem(g, "PUBLIC gets %s on every new %s %s creates%s%s (default privileges)",
                        priv,
                        type == 'r'   ? "table"
                        : type == 'S' ? "sequence"
                                      : "schema",
                        by, *name ? " in schema " : "", name);
        }
    }
    PQclear(res);
    evidence(g, "PUBLIC: USAGE on schemas %s; SELECT on %s (protected: readable); EXECUTE on "
                "functions as PostgreSQL grants by default",
             usage.len ? usage.buf : "none", reads.len ? reads.buf : "nothing");
    sb_free(&usage);
    sb_free(&reads);
}

static void gate_privileges(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "privileges",
                              "each role's privileges are within its grants in the policy");
    for (size_t k = 0; k < p->nroles && !v->err; k++) {
        const policy_role *rl = &p->roles[k];
        const char *params[] = {rl->name};
        PGresult *res = q(v, "cannot read the role",
                          "SELECT rolsuper FROM pg_roles WHERE rolname = $1", 1, params);
        if (!res)
            return;
        bool exists = PQntuples(res) == 1, super = exists && tval(res, 0, 0);
        PQclear(res);
        if (!exists)
            evidence(g, "%s: not in the database (see roles)", rl->name);
        else if (super)
            evidence(g, "%s: SUPERUSER, holds every privilege (see roles)", rl->name);
        else if (!rl->restricted)
            evidence(g, "%s (unrestricted): privileges not limited by the policy", rl->name);
        else
            check_restricted_role(v, g, rl);
    }
    if (!v->err)
        check_public(v, g);
}

/* ------------------------------------------------------------------ lifetime */

/* "8h", "90m", "2d": a lifetime as the policy writes it. */
static char *lifetime_text(long secs)
{
    if (secs % 86400 == 0)
        return xasprintf("%ldd", secs / 86400);
    if (secs % 3600 == 0)
        return xasprintf("%ldh", secs / 3600);
    if (secs % 60 == 0)
        return xasprintf("%ldm", secs / 60);
    return xasprintf("%lds", secs);
}

static void gate_lifetime(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "lifetime",
                              "time-boxed credentials expire within their lifetime");
    size_t n = 0;
    for (size_t k = 0; k < p->nroles && !v->err; k++) {
        const policy_role *rl = &p->roles[k];
        if (rl->lifetime_seconds <= 0)
            continue;
        n++;
        const char *params[] = {rl->name};
        PGresult *res = q(
            v, "cannot read the role's expiry",
            "SELECT rolcanlogin, "
            "CASE WHEN rolvaliduntil IS NULL THEN NULL WHEN isfinite(rolvaliduntil) THEN " UTC_TEXT(
                "rolvaliduntil") " ELSE rolvaliduntil::text END, "
            "CASE WHEN isfinite(rolvaliduntil) THEN "
            "floor(extract(epoch FROM rolvaliduntil - now()))::bigint END, "
            "rolvaliduntil = '-infinity' "
            "FROM pg_roles WHERE rolname = $1",
            1, params);
        if (!res)
            return;
        char *life = lifetime_text(rl->lifetime_seconds);
        const char *until = PQntuples(res) == 1 ? val(res, 0, 1) : NULL;
        if (PQntuples(res) != 1) {
            evidence(g, "%s (lifetime %s): not in the database (see roles)", rl->name, life);
        } else if (!tval(res, 0, 0)) {
            evidence(g, "%s (lifetime %s): NOLOGIN, no credential to expire; VALID UNTIL %s",
                     rl->name, life, until ? until : "not set");
        } else if (!until) {
            evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL not set", rl->name, life);
            problem(g, "%s: never expires (no VALID UNTIL); its lifetime is %s", rl->name, life);
        } else if (PQgetisnull(res, 0, 2)) {
            evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL %s", rl->name, life, until);
            if (tval(res, 0, 3))
                problem(g, "%s: expired (VALID UNTIL -infinity)", rl->name);
            else
                problem(g, "%s: never expires (VALID UNTIL infinity); its lifetime is %s",
                        rl->name, life);
        } else {
            long long left = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
            char *d = duration_text(left);
            evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL %s, %s %s", rl->name, life, until,
                     d, left > 0 ? "from now" : "ago");
            if (left <= 0)
                problem(g, "%s: expired at %s, %s ago", rl->name, until, d);
            else if (left > rl->lifetime_seconds + 60)
                problem(g, "%s: valid for %s more, longer than its lifetime %s", rl->name, d,
                        life);
            free(d);
        }
        PQclear(res);
        free(life);
    }
    if (n == 0)
        evidence(g, "no role of the policy has a lifetime");
}

/* ------------------------------------------------------------------ views */

static const char *setting_of(const policy *p, const char *name, const char *dflt)
{
    for (size_t i = 0; i < p->nsettings; i++)
        if (strcmp(p->settings[i].name, name) == 0)
            return p->settings[i].value;
    return dflt;
}

static void gate_views(vctx *v)
{
    verify_gate *g = gate_add(v, "views", "every view compiles (planned with EXPLAIN, never run)");
    PGresult *list = q(v, "cannot list the views",
                       "SELECT n.nspname, c.relname FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relkind = 'v' AND " USER_NSP("n") " ORDER BY 1, 2",
                       0, NULL);
    if (!list)
        return;
    char *msg = NULL;
    PGresult *res = run_query(v, "BEGIN TRANSACTION READ ONLY", 0, NULL, &msg);
    if (!res) {
        if (!v->err)
            v->err = xasprintf("cannot start a read-only transaction: %s", msg);
        free(msg);
        PQclear(list);
        return;
    }
    PQclear(res);
    size_t ok = 0;
    strbuf names = {0};
    for (int i = 0; i < PQntuples(list) && !v->err; i++) {
        const char *schema = PQgetvalue(list, i, 0), *name = PQgetvalue(list, i, 1);
        char *qs = PQescapeIdentifier(v->c, schema, strlen(schema));
        char *qn = PQescapeIdentifier(v->c, name, strlen(name));
        char *sql = xasprintf("EXPLAIN SELECT * FROM %s.%s", qs ? qs : "", qn ? qn : "");
        PQfreemem(qs);
        PQfreemem(qn);
        PGresult *sp = q(v, "cannot set a savepoint", "SAVEPOINT pgward_verify_view", 0, NULL);
        PQclear(sp);
        if (v->err) {
            free(sql);
            break;
        }
        res = run_query(v, sql, 0, NULL, &msg);
        free(sql);
        if (res) {
            PQclear(res);
            sb_addf(&names, "%s%s.%s", names.len ? ", " : "", schema, name);
            ok++;
            sp = q(v, "cannot release a savepoint", "RELEASE SAVEPOINT pgward_verify_view", 0,
                   NULL);
        } else {
            problem(g, "view %s.%s does not compile: %s", schema, name, msg);
            free(msg);
            msg = NULL;
            sp = q(v, "cannot roll back to a savepoint",
                   "ROLLBACK TO SAVEPOINT pgward_verify_view", 0, NULL);
        }
        PQclear(sp);
    }
    res = PQexec(v->c, "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK && !v->err) {
        char *m = conn_error_message(v->c, res);
        v->err = xasprintf("cannot roll back: %s", m);
        free(m);
    }
    PQclear(res);
    evidence(g, "%zu of %d views plan as %s%s%s", ok, PQntuples(list), v->r->user,
             names.len ? ": " : "", names.len ? names.buf : "");
    sb_free(&names);
    PQclear(list);
}

/* ------------------------------------------------------------------ isolation */

bool verify_body_mentions_schema(const char *body, const char *schema)
{
    size_t n = strlen(schema);
    if (!body || n == 0)
        return false;
#define IDENT(ch)                                                                       \
    (isalnum((unsigned char)(ch)) || (ch) == '_' || (ch) == '$' || (unsigned char)(ch) >= 0x80)
    for (const char *s = body; *s; s++) {
        const char *after = NULL;
        bool boundary = s == body || !(IDENT(s[-1]) || s[-1] == '.' || s[-1] == '"');
        if (!boundary && !(s[0] == '"' && (s == body || s[-1] != '.')))
            continue;
        if (s[0] == '"') {
            if (strncmp(s + 1, schema, n) == 0 && s[1 + n] == '"')
                after = s + n + 2;
        } else if (ascii_strncasecmp(s, schema, n) == 0 && !IDENT(s[n])) {
            after = s + n;
        }
        if (!after)
            continue;
        while (*after == ' ' || *after == '\t' || *after == '\n' || *after == '\r')
            after++;
        if (*after == '.')
            return true;
    }
#undef IDENT
    return false;
}

typedef struct iso_fn {
    char *oid;
    char *name;              /* schema.name(args) */
    int self;                /* its schema's isolated family, or -1 */
    bool bridge;             /* its schema is a bridge */
    const char *schema;
    uint64_t refs;           /* isolated families it refers to */
    strbuf why;              /* "vh.tasks (vh), ..." */
} iso_fn;

static const char *family_name(const policy *p, int iso)
{
    return iso >= 0 ? p->isolated[iso] : "none";
}

/* Whether schema is a bridge that reads every family in mask. */
static bool bridge_reads(const policy *p, const char *schema, uint64_t mask)
{
    if (!policy_is_bridge(p, schema))
        return false;
    for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++)
        if ((mask & (uint64_t)1 << j) && !policy_bridge_reads(p, schema, p->isolated[j]))
            return false;
    return true;
}

static int popcount64(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* "eng and vh" for the families in mask. */
static char *families_text(const policy *p, uint64_t mask)
{
    strbuf sb = {0};
    int total = popcount64(mask), seen = 0;
    for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++)
        if (mask & ((uint64_t)1 << j)) {
            seen++;
            sb_addf(&sb, "%s%s", seen == 1 ? "" : seen == total ? " and " : ", ", p->isolated[j]);
        }
    return sb_detach(&sb, NULL);
}

/* Dependencies of objects on relations, functions and types in user schemas. */
#define DEP_TARGETS                                                                     \
    "LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid " \
    "LEFT JOIN pg_proc rp ON d.refclassid = 'pg_proc'::regclass AND rp.oid = d.refobjid "  \
    "LEFT JOIN pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid "  \
    "JOIN pg_namespace rn ON rn.oid = coalesce(rc.relnamespace, rp.pronamespace, "       \
    "rt.typnamespace) "

static void gate_isolation(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "isolation",
                              "no foreign key, view, trigger or function couples isolated "
                              "families (bridges excepted)");
    if (p->nisolated < 2) {
        evidence(g, "the policy isolates no families");
        return;
    }
    if (p->nisolated > MAX_ISOLATED)
        problem(g, "only the first %d isolated families are checked", MAX_ISOLATED);
    {
        strbuf sb = {0};
        for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++) {
            sb_addf(&sb, "%s%s (schemas:", j ? "; " : "", p->isolated[j]);
            size_t n = 0;
            for (size_t i = 0; i < v->nschemas; i++)
                if (v->iso[i] == (int)j)
                    sb_addf(&sb, "%s %s", n++ ? "," : "", v->schemas[i]);
            sb_adds(&sb, n ? ")" : " none)");
        }
        for (size_t i = 0; i < p->nbridges; i++) {
            sb_addf(&sb, "; bridge %s reads ", p->bridges[i].schema);
            for (size_t k = 0; k < p->bridges[i].nfamilies; k++)
                sb_addf(&sb, "%s%s", k ? ", " : "", p->bridges[i].families[k]);
        }
        evidence(g, "isolated: %s", sb.buf);
        sb_free(&sb);
    }

    /* foreign keys */
    PGresult *res = q(v, "cannot list the foreign keys",
                      "SELECT con.conname, n1.nspname, c1.relname, n2.nspname, c2.relname "
                      "FROM pg_constraint con "
                      "JOIN pg_class c1 ON c1.oid = con.conrelid "
                      "JOIN pg_namespace n1 ON n1.oid = c1.relnamespace "
                      "JOIN pg_class c2 ON c2.oid = con.confrelid "
                      "JOIN pg_namespace n2 ON n2.oid = c2.relnamespace "
                      "WHERE con.contype = 'f' AND " USER_NSP("n1") " ORDER BY 2, 3, 1",
                      0, NULL);
    if (!res)
        return;
    int nfk = PQntuples(res);
    for (int i = 0; i < nfk; i++) {
        int a = schema_iso(v, PQgetvalue(res, i, 1)), b = schema_iso(v, PQgetvalue(res, i, 3));
        if (a >= 0 && b >= 0 && a != b)
            problem(g, "foreign key %s: %s.%s (family %s) references %s.%s (family %s)",
                    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                    family_name(p, a), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
                    family_name(p, b));
    }
    PQclear(res);

    /* functions: what they depend on, and what their bodies name */
    iso_fn *fns = NULL;
    size_t nfns = 0, capfns = 0;
    PGresult *fl = q(v, "cannot list the functions",
                     "SELECT p.oid::text, n.nspname, p.proname, "
                     "pg_get_function_identity_arguments(p.oid), "
                     "CASE WHEN l.lanname IN ('c', 'internal') THEN NULL ELSE p.prosrc END "
                     "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                     "JOIN pg_language l ON l.oid = p.prolang "
                     "WHERE " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid")
                     " ORDER BY 2, 3, 4",
                     0, NULL);
    if (!fl)
        return;
    for (int i = 0; i < PQntuples(fl); i++) {
        GROW(fns, capfns, nfns + 1);
        iso_fn *f = &fns[nfns++];
        memset(f, 0, sizeof(*f));
        f->oid = xstrdup(PQgetvalue(fl, i, 0));
        f->schema = PQgetvalue(fl, i, 1);
        f->name = xasprintf("%s.%s(%s)", f->schema, PQgetvalue(fl, i, 2), PQgetvalue(fl, i, 3));
        f->self = schema_iso(v, f->schema);
        f->bridge = policy_is_bridge(p, f->schema);
        const char *body = val(fl, i, 4);
        for (size_t s = 0; body && s < v->nschemas; s++) {
            int fam = v->iso[s];
            if (fam < 0 || fam == f->self || !verify_body_mentions_schema(body, v->schemas[s]))
                continue;
            f->refs |= (uint64_t)1 << fam;
            sb_addf(&f->why, "%sschema %s (family %s) named in its body", f->why.len ? ", " : "",
                    v->schemas[s], family_name(p, fam));
        }
    }
    res = q(v, "cannot read the functions' dependencies",
            "SELECT DISTINCT d.objid::text, rn.nspname, "
            "coalesce(rc.relname, rp.proname, rt.typname) "
            "FROM pg_depend d " DEP_TARGETS
            "WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'n' AND " USER_NSP("rn")
            " ORDER BY 1, 2, 3",
            0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int fam = schema_iso(v, PQgetvalue(res, i, 1));
        if (fam < 0)
            continue;
        for (size_t k = 0; k < nfns; k++) {
            iso_fn *f = &fns[k];
            if (strcmp(f->oid, PQgetvalue(res, i, 0)) != 0 || fam == f->self)
                continue;
            f->refs |= (uint64_t)1 << fam;
            sb_addf(&f->why, "%s%s.%s (family %s)", f->why.len ? ", " : "", PQgetvalue(res, i, 1),
                    PQgetvalue(res, i, 2), family_name(p, fam));
        }
    }
    PQclear(res);
    for (size_t k = 0; k < nfns && !v->err; k++) {
        iso_fn *f = &fns[k];
        uint64_t all = f->refs | (f->self >= 0 ? (uint64_t)1 << f->self : 0);
        if (popcount64(all) < 2 || (f->bridge && bridge_reads(p, f->schema, all)))
            continue;
        char *fams = families_text(p, all);
        problem(g, "function %s%s%s%s refers to %s: couples %s", f->name,
                f->self >= 0 ? " (family " : "", f->self >= 0 ? family_name(p, f->self) : "",
                f->self >= 0 ? ")" : "", f->why.len ? f->why.buf : "?", fams);
        free(fams);
    }

    /* triggers */
    res = q(v, "cannot list the triggers",
            "SELECT t.tgname, n.nspname, c.relname, t.tgfoid::text "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND " USER_NSP("n") " ORDER BY 2, 3, 1",
            0, NULL);
    int ntrig = res ? PQntuples(res) : 0;
    for (int i = 0; i < ntrig; i++) {
        const char *schema = PQgetvalue(res, i, 1);
        int self = schema_iso(v, schema);
        const iso_fn *f = NULL;
        for (size_t k = 0; k < nfns; k++)
            if (strcmp(fns[k].oid, PQgetvalue(res, i, 3)) == 0)
                f = &fns[k];
        if (!f)
            continue; /* a function of the system or of an extension */
        uint64_t all = f->refs | (f->self >= 0 ? (uint64_t)1 << f->self : 0);
        all |= self >= 0 ? (uint64_t)1 << self : 0;
        if (popcount64(all) < 2 || bridge_reads(p, schema, all))
            continue;
        char *fams = families_text(p, all);
        problem(g, "trigger %s on %s.%s%s%s%s runs %s%s%s: couples %s", PQgetvalue(res, i, 0),
                schema, PQgetvalue(res, i, 2), self >= 0 ? " (family " : "",
                self >= 0 ? family_name(p, self) : "", self >= 0 ? ")" : "", f->name,
                f->why.len ? ", which refers to " : "", f->why.len ? f->why.buf : "", fams);
        free(fams);
    }
    PQclear(res);

    /* views and materialized views */
    res = q(v, "cannot read the views' dependencies",
            "SELECT DISTINCT vn.nspname, v.relname, v.relkind::text, rn.nspname, "
            "coalesce(rc.relname, rp.proname, rt.typname) "
            "FROM pg_class v JOIN pg_namespace vn ON vn.oid = v.relnamespace "
            "JOIN pg_rewrite rw ON rw.ev_class = v.oid "
            "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid "
            DEP_TARGETS
            "WHERE v.relkind IN ('v', 'm') AND " USER_NSP("vn") " AND " USER_NSP("rn")
            " AND d.refobjid <> v.oid ORDER BY 1, 2, 4, 5",
            0, NULL);
    size_t nviews = 0;
    for (int i = 0; res && i < PQntuples(res);) {
        const char *schema = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        int self = schema_iso(v, schema);
        uint64_t all = self >= 0 ? (uint64_t)1 << self : 0;
        strbuf why = {0};
        int j = i;
        for (; j < PQntuples(res) && strcmp(PQgetvalue(res, j, 0), schema) == 0 &&
               strcmp(PQgetvalue(res, j, 1), name) == 0;
             j++) {
            int fam = schema_iso(v, PQgetvalue(res, j, 3));
            if (fam < 0 || fam == self)
                continue;
            all |= (uint64_t)1 << fam;
            sb_addf(&why, "%s%s.%s (family %s)", why.len ? ", " : "", PQgetvalue(res, j, 3),
                    PQgetvalue(res, j, 4), family_name(p, fam));
        }
        nviews++;
        if (popcount64(all) >= 2 && !bridge_reads(p, schema, all)) {
            char *fams = families_text(p, all);
            problem(g, "%s %s.%s%s%s%s reads %s: couples %s%s",
                    relkind_word(PQgetvalue(res, i, 2)), schema, name,
                    self >= 0 ? " (family " : "", self >= 0 ? family_name(p, self) : "",
                    self >= 0 ? ")" : "", why.buf, fams,
                    policy_is_bridge(p, schema) ? " (the bridge does not read all of them)"
                                         : " outside a bridge");
            free(fams);
        }
        sb_free(&why);
        i = j;
    }
    PQclear(res);
    evidence(g, "checked %d foreign key%s, %zu view%s, %d trigger%s, %zu function%s", nfk,
             nfk == 1 ? "" : "s", nviews, nviews == 1 ? "" : "s", ntrig, ntrig == 1 ? "" : "s",
             nfns, nfns == 1 ? "" : "s");
    for (size_t k = 0; k < nfns; k++) {
        free(fns[k].oid);
        free(fns[k].name);
        sb_free(&fns[k].why);
    }
    free(fns);
    PQclear(fl);
}

/* ------------------------------------------------------------------ audit trail */

static void check_journal(verify_gate *g, const char *path)
{
    struct stat st;
    if (!path) {
        evidence(g, "no journal given");
        return;
    }
    if (stat(path, &st) != 0) {
        evidence(g, "journal %s: none (nothing to sync)", path);
        return;
    }
    journal_runs runs;
    char *err = NULL;
    if (journal_read(path, &runs, &err) < 0) {
        problem(g, "cannot read the journal: %s", err);
        free(err);
        journal_runs_free(&runs);
        return;
    }
    for (size_t i = 0; i < runs.nwarnings; i++)
        evidence(g, "%s", runs.warnings[i]);
    size_t unsynced = 0;
    for (size_t i = 0; i < runs.count; i++) {
        const journal_run *r = &runs.items[i];
        if (r->audited)
            continue;
        unsynced++;
        const cJSON *t = r->begin ? cJSON_GetObjectItemCaseSensitive(r->begin, "time") : NULL;
        const cJSON *role = r->begin ? cJSON_GetObjectItemCaseSensitive(r->begin, "role") : NULL;
        problem(g, "run %s not synced (journal %s:%d%s%s%s%s): run pgward audit sync", r->run,
                path, r->first_line, cJSON_IsString(t) ? ", started " : "",
                cJSON_IsString(t) ? t->valuestring : "", cJSON_IsString(role) ? ", role " : "",
                cJSON_IsString(role) ? role->valuestring : "");
    }
    evidence(g, "journal %s: %zu run%s, %zu synced", path, runs.count, runs.count == 1 ? "" : "s",
             runs.count - unsynced);
    journal_runs_free(&runs);
}

static void gate_audit_trail(vctx *v, const char *journal_path)
{
    verify_gate *g = gate_add(v, "audit-trail",
                              "every run has a final status and the local journal is synced");
    verify_runs *vr = &v->r->runs;
    vr->failed_statements = -1;
    PGresult *res = q(v, "cannot look for audit.runs",
                      "SELECT to_regclass('audit.runs') IS NOT NULL, "
                      "to_regclass('audit.statements') IS NOT NULL",
                      0, NULL);
    if (!res)
        return;
    bool have_runs = tval(res, 0, 0), have_statements = tval(res, 0, 1);
    PQclear(res);
    char *msg = NULL;
    if (!have_runs) {
        problem(g, "audit.runs does not exist: the audit trail was never set up (sql/audit.sql)");
    } else if (!(res = run_query(v,
                                 "SELECT count(*), count(*) FILTER (WHERE status = 'committed'), "
                                 "count(*) FILTER (WHERE status = 'failed'), "
                                 "count(*) FILTER (WHERE status = 'cancelled'), "
                                 "count(*) FILTER (WHERE status = 'dry-run'), "
                                 "count(*) FILTER (WHERE status = 'running') FROM audit.runs",
                                 0, NULL, &msg))) {
        if (v->err) {
            free(msg);
            return;
        }
        problem(g, "cannot read audit.runs as %s: %s (verify as a role that may read the audit "
                   "trail, such as the staging bootstrap's ehg_admin)",
                v->r->user, msg);
        free(msg);
        msg = NULL;
    } else {
        vr->readable = true;
        vr->total = lval(res, 0, 0);
        vr->committed = lval(res, 0, 1);
        vr->failed = lval(res, 0, 2);
        vr->cancelled = lval(res, 0, 3);
        vr->dry_run = lval(res, 0, 4);
        vr->running = lval(res, 0, 5);
        PQclear(res);
        evidence(g,
                 "audit.runs: %ld run%s: %ld committed, %ld failed, %ld cancelled, %ld dry-run, "
                 "%ld running",
                 vr->total, vr->total == 1 ? "" : "s", vr->committed, vr->failed, vr->cancelled,
                 vr->dry_run, vr->running);
        res = q(v, "cannot read the running runs",
                "SELECT r.id::text, " UTC_TEXT("r.started_at") ", r.role, "
                "EXISTS (SELECT 1 FROM pg_stat_activity a "
                "        WHERE a.application_name = 'pgward apply ' || r.id::text) "
                "FROM audit.runs r WHERE r.status = 'running' ORDER BY r.started_at, r.id",
                0, NULL);
        for (int i = 0; res && i < PQntuples(res); i++) {
            if (tval(res, i, 3))
                evidence(g, "run %s (role %s, started %s) is running now: its session is alive",
                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1));
            else
                problem(g, "run %s (role %s, started %s) has no final status and no live "
                           "session: run pgward audit sync where it ran",
                        PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1));
        }
        PQclear(res);
        if (v->err)
            return;
        if (have_statements &&
            (res = run_query(v, "SELECT count(*) FROM audit.statements WHERE status = 'failed'",
                             0, NULL, &msg))) {
            vr->failed_statements = lval(res, 0, 0);
            PQclear(res);
        } else {
            free(msg);
            if (v->err)
                return;
        }
    }
    check_journal(g, journal_path);
}

/* ------------------------------------------------------------------ automation role */

static void read_automation(vctx *v)
{
    const policy_role *automation = policy_automation_role(v->p);
    if (!automation)
        return;
    const char *name = automation->name;
    verify_automation *a = &v->r->automation;
    a->role = xstrdup(name);
    const char *params[] = {name};
    PGresult *res = q(
        v, "cannot read the automation role",
        "SELECT rolcanlogin, has_database_privilege(oid, current_database(), 'CONNECT'), "
        "CASE WHEN rolvaliduntil IS NULL THEN NULL WHEN isfinite(rolvaliduntil) THEN " UTC_TEXT(
            "rolvaliduntil") " ELSE rolvaliduntil::text END, "
        "coalesce(rolvaliduntil <= now(), false) FROM pg_roles WHERE rolname = $1",
        1, params);
    if (!res)
        return;
    if (PQntuples(res) == 1) {
        a->exists = true;
        a->login = tval(res, 0, 0);
        a->connect = tval(res, 0, 1);
        a->valid_until = val(res, 0, 2) ? xstrdup(val(res, 0, 2)) : NULL;
        a->expired = tval(res, 0, 3);
    }
    PQclear(res);
}

/* ------------------------------------------------------------------ the report */

int verify_database(PGconn *c, const policy *p, const char *journal_path, verify_report *out,
                    char **err)
{
    memset(out, 0, sizeof(*out));
    vctx v = {.c = c, .p = p, .r = out};
    out->target = conn_describe(c);
    out->policy_file = xstrdup(p->name ? p->name : "");
    memcpy(out->policy_digest, p->digest, sizeof(out->policy_digest));
    out->journal = journal_path ? xstrdup(journal_path) : NULL;

    const char *lt = setting_of(p, "lock_timeout", "5s");
    const char *st = setting_of(p, "statement_timeout", "60s");
    const char *params[] = {lt, st};
    PGresult *res = q(&v, "cannot set up the session",
                      "SELECT set_config('default_transaction_read_only', 'on', false), "
                      "set_config('search_path', 'pg_catalog, pg_temp', false), "
                      "set_config('lock_timeout', $1, false), "
                      "set_config('statement_timeout', $2, false)",
                      2, params);
    PQclear(res);
    read_header(&v);

    void (*const gates[])(vctx *) = {gate_schemas,  gate_extensions, gate_row_security,
                                     gate_sensitive_rls, gate_roles, gate_privileges,
                                     gate_lifetime, gate_views,      gate_isolation};
    for (size_t i = 0; i < ARRAY_SIZE(gates) && !v.err; i++)
        gates[i](&v);
    if (!v.err)
        gate_audit_trail(&v, journal_path);
    if (!v.err)
        read_automation(&v);

    for (size_t i = 0; i < v.nschemas; i++) {
        free(v.schemas[i]);
        free(v.owners[i]);
    }
    free(v.schemas);
    free(v.owners);
    free(v.iso);
    if (v.err) {
        *err = v.err;
        verify_report_free(out);
        return -1;
    }
    for (size_t i = 0; i < out->ngates; i++)
        out->gates[i].pass = out->gates[i].nproblems == 0;
    return 0;
}

size_t verify_failed(const verify_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ngates; i++)
        n += !r->gates[i].pass;
    return n;
}

const verify_gate *verify_find_gate(const verify_report *r, const char *id)
{
    for (size_t i = 0; i < r->ngates; i++)
        if (strcmp(r->gates[i].id, id) == 0)
            return &r->gates[i];
    return NULL;
}

void verify_report_free(verify_report *r)
{
    for (size_t i = 0; i < r->ngates; i++) {
        verify_gate *g = &r->gates[i];
        for (size_t k = 0; k < g->nevidence; k++)
            free(g->evidence[k]);
        for (size_t k = 0; k < g->nproblems; k++)
            free(g->problems[k]);
        free(g->evidence);
        free(g->problems);
    }
    free(r->gates);
    free(r->time);
    free(r->target);
    free(r->database);
    free(r->user);
    free(r->server_version);
    free(r->server_started);
    free(r->policy_file);
    free(r->journal);
    free(r->automation.role);
    free(r->automation.valid_until);
    memset(r, 0, sizeof(*r));
}
