/*
 * verify.c: the gates of `pgward verify`, checked against a live database.
 *
 * Every gate reads the catalog (and, for the audit trail, audit.runs and the local
 * journal) and records evidence lines and problems in the report; nothing is printed
 * and nothing is written. The session is set default_transaction_read_only, and the
 * views are planned (EXPLAIN, never run) inside a READ ONLY transaction, one
 * savepoint per view, rolled back at the end.
 *
 * How the policy maps to PostgreSQL (docs/verify.md, "Privileges"):
 *   select, insert, update, delete, truncate  the table privileges of those names
 *   ddl          schema CREATE, owning objects, REFERENCES and TRIGGER on tables,
 *                CREATE on the database (with ddl on some family)
 *   dcl          holding a privilege WITH GRANT OPTION
 *   sequences    USAGE with insert on the schema or the table owning the sequence,
 *                SELECT and UPDATE with ddl
 *   schema USAGE where the role has any grant or an allowed function in the schema
 *   EXECUTE      granted to the role itself (or a role it belongs to): only on its
 *                `allow function` list
 *   maintenance, call, copy: no privilege of their own in PostgreSQL 15
 * The model is policy/grants.h, the one `pgward policy grants` and `pgward stage`
 * grant from (privileges.c). A privilege counts when the role holds it directly,
 * through membership (any role it can SET ROLE to) or by owning the object. Grants
 * to PUBLIC are checked once, for PUBLIC: nothing in the families and bridges; in
 * protected schemas USAGE, SELECT on relations (the audit trail is readable
 * evidence) and EXECUTE; elsewhere USAGE and EXECUTE; no CREATE, nothing on the
 * database.
 */
#include "verify/verify.h"

#include <cjson/cJSON.h>

#include "conn/wait.h"
#include "verify/gate.h"
#include "verify/probes.h"

/* ------------------------------------------------------------------ header */

static void read_header(vctx *v)
{
    PGresult *h = catalog_query(v, "cannot read the server's identity",
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
    vctx_read_schemas(v);
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
        if (!str_list_has(req, n, (s))) {                                                   \
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
        gate_evidence(g, "the policy names no schema");
    for (size_t i = 0; i < n; i++) {
        const char *owner = NULL;
        for (size_t k = 0; k < v->nschemas; k++)
            if (strcmp(v->schemas[k], req[i]) == 0)
                owner = v->owners[k];
        if (owner)
            gate_evidence(g, "%s (%s): present, owner %s", req[i], why[i], owner);
        else
            gate_problem(g, "schema %s (%s) does not exist", req[i], why[i]);
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
        gate_evidence(g, "the policy requires no extension");
        return;
    }
    PGresult *res = catalog_query(v, "cannot list the extensions",
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
        if (row >= 0 && cell_text(res, row, 1))
            gate_evidence(g, "%s %s: installed in schema %s", p->extensions[i], cell_text(res, row, 1),
                     cell_text(res, row, 2) ? cell_text(res, row, 2) : "?");
        else if (row >= 0)
            gate_problem(g, "extension %s is not installed (the server offers version %s)",
                    p->extensions[i], cell_text(res, row, 3) ? cell_text(res, row, 3) : "?");
        else
            gate_problem(g, "extension %s is not installed (the server does not offer it)",
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
    PGresult *res = catalog_query(v, "cannot read row_security", "SELECT current_setting('row_security')", 0,
                      NULL);
    if (!res)
        return;
    const char *s = PQgetvalue(res, 0, 0);
    if (setting_on(s))
        gate_evidence(g, "SHOW row_security: %s", s);
    else
        gate_problem(g, "SHOW row_security: %s (row-level security is not enforced by default)", s);
    PQclear(res);
    res = catalog_query(v, "cannot read the role and database settings",
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
        gate_problem(g, "row_security = %s is set for %s in %s", PQgetvalue(res, i, 2),
                PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    }
    if (!off)
        gate_evidence(g, "no role or database setting turns it off");
    PQclear(res);
}

/* ------------------------------------------------------------------ sensitive tables */

static void gate_sensitive_rls(vctx *v)
{
    assume_sensitive_rls(v, gate_add(v, "sensitive-rls", SENSITIVE_RLS_TITLE));
}

/* ------------------------------------------------------------------ roles */

static void gate_roles(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "roles",
                              "the policy's roles exist; only the bootstrap superuser has "
                              "SUPERUSER or BYPASSRLS; restricted roles lack CREATEROLE, "
                              "CREATEDB, REPLICATION and may not write the audit trail");
    PGresult *res = catalog_query(
        v, "cannot list the roles",
        "SELECT r.rolname, r.oid = 10, r.rolsuper, r.rolbypassrls, r.rolcreaterole, "
        "r.rolcreatedb, r.rolreplication, r.rolcanlogin, "
        "coalesce((SELECT string_agg(m.roleid::regrole::text, ', ' "
        "                            ORDER BY m.roleid::regrole::text) "
        "          FROM pg_auth_members m WHERE m.member = r.oid), ''), "
        "CASE WHEN to_regrole('pgward_audit_writer') IS NULL THEN false "
        "ELSE pg_has_role(r.oid, 'pgward_audit_writer', 'MEMBER') END "
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
            gate_problem(g, "role %s of the policy does not exist", rl->name);
            continue;
        }
        strbuf sb = {0};
        for (int a = 0; a < 5; a++)
            if (cell_bool(res, row, 2 + a))
                sb_addf(&sb, "%s ", attr[a]);
        sb_adds(&sb, cell_bool(res, row, 7) ? "LOGIN" : "NOLOGIN");
        const char *member = PQgetvalue(res, row, 8);
        gate_evidence(g, "%s (%s): %s; member of: %s", rl->name,
                 rl->restricted ? "restricted" : "unrestricted", sb.buf,
                 *member ? member : "none");
        sb_free(&sb);
        if (rl->restricted)
            for (int a = 2; a < 5; a++)
                if (cell_bool(res, row, 2 + a))
                    gate_problem(g, "%s is restricted but has %s", rl->name, attr[a]);
        /* its own login would write the audit trail: only operators may (docs/audit.md) */
        if (rl->restricted && cell_bool(res, row, 9))
            gate_problem(g, "%s is restricted but a member of pgward_audit_writer: it could "
                            "begin, record and finish audit runs itself",
                         rl->name);
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 0);
        if (cell_bool(res, i, 1)) {
            gate_evidence(g, "bootstrap superuser: %s", name);
            continue;
        }
        if (!policy_find_role(p, name))
            others++;
        if (cell_bool(res, i, 2))
            gate_problem(g, "%s has SUPERUSER (only the bootstrap superuser may)", name);
        if (cell_bool(res, i, 3))
            gate_problem(g, "%s has BYPASSRLS (row-level security does not apply to it)", name);
    }
    gate_evidence(g, "%zu other role%s checked for SUPERUSER and BYPASSRLS", others,
             others == 1 ? "" : "s");
    PQclear(res);
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
        PGresult *res = catalog_query(
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
        const char *until = PQntuples(res) == 1 ? cell_text(res, 0, 1) : NULL;
        if (PQntuples(res) != 1) {
            gate_evidence(g, "%s (lifetime %s): not in the database (see roles)", rl->name, life);
        } else if (!cell_bool(res, 0, 0)) {
            gate_evidence(g, "%s (lifetime %s): NOLOGIN, no credential to expire; VALID UNTIL %s",
                     rl->name, life, until ? until : "not set");
        } else if (!until) {
            gate_evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL not set", rl->name, life);
            gate_problem(g, "%s: never expires (no VALID UNTIL); its lifetime is %s", rl->name, life);
        } else if (PQgetisnull(res, 0, 2)) {
            gate_evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL %s", rl->name, life, until);
            if (cell_bool(res, 0, 3))
                gate_problem(g, "%s: expired (VALID UNTIL -infinity)", rl->name);
            else
                gate_problem(g, "%s: never expires (VALID UNTIL infinity); its lifetime is %s",
                        rl->name, life);
        } else {
            long long left = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
            char *d = duration_text(left);
            gate_evidence(g, "%s (lifetime %s): LOGIN, VALID UNTIL %s, %s %s", rl->name, life, until,
                     d, left > 0 ? "from now" : "ago");
            if (left <= 0)
                gate_problem(g, "%s: expired at %s, %s ago", rl->name, until, d);
            else if (left > rl->lifetime_seconds + 60)
                gate_problem(g, "%s: valid for %s more, longer than its lifetime %s", rl->name, d,
                        life);
            free(d);
        }
        PQclear(res);
        free(life);
    }
    if (n == 0)
        gate_evidence(g, "no role of the policy has a lifetime");
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
    PGresult *list = catalog_query(v, "cannot list the views",
                       "SELECT n.nspname, c.relname FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relkind = 'v' AND " USER_NSP("n") " ORDER BY 1, 2",
                       0, NULL);
    if (!list)
        return;
    char *msg = NULL;
    PGresult *res = catalog_try(v, "BEGIN TRANSACTION READ ONLY", 0, NULL, &msg);
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
        PGresult *sp = catalog_query(v, "cannot set a savepoint", "SAVEPOINT pgward_verify_view", 0, NULL);
        PQclear(sp);
        if (v->err) {
            free(sql);
            break;
        }
        res = catalog_try(v, sql, 0, NULL, &msg);
        free(sql);
        if (res) {
            PQclear(res);
            sb_addf(&names, "%s%s.%s", names.len ? ", " : "", schema, name);
            ok++;
            sp = catalog_query(v, "cannot release a savepoint", "RELEASE SAVEPOINT pgward_verify_view", 0,
                   NULL);
        } else {
            gate_problem(g, "view %s.%s does not compile: %s", schema, name, msg);
            free(msg);
            msg = NULL;
            sp = catalog_query(v, "cannot roll back to a savepoint",
                   "ROLLBACK TO SAVEPOINT pgward_verify_view", 0, NULL);
        }
        PQclear(sp);
    }
    res = conn_exec(v->c, "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK && !v->err) {
        char *m = conn_error_message(v->c, res);
        v->err = xasprintf("cannot roll back: %s", m);
        free(m);
    }
    PQclear(res);
    gate_evidence(g, "%zu of %d views plan as %s%s%s", ok, PQntuples(list), v->r->user,
             names.len ? ": " : "", names.len ? names.buf : "");
    sb_free(&names);
    PQclear(list);
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
    PGresult *res = catalog_query(
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
        a->login = cell_bool(res, 0, 0);
        a->connect = cell_bool(res, 0, 1);
        a->valid_until = cell_text(res, 0, 2) ? xstrdup(cell_text(res, 0, 2)) : NULL;
        a->expired = cell_bool(res, 0, 3);
    }
    PQclear(res);
}

/* ------------------------------------------------------------------ the report */

int verify_database(PGconn *c, const policy *p, const char *journal_path,
                    struct probe_report *probes, verify_report *out, char **err)
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
    PGresult *res = catalog_query(&v, "cannot set up the session",
                      "SELECT set_config('default_transaction_read_only', 'on', false), "
                      "set_config('search_path', 'pg_catalog, pg_temp', false), "
                      "set_config('lock_timeout', $1, false), "
                      "set_config('statement_timeout', $2, false)",
                      2, params);
    PQclear(res);
    read_header(&v);

    void (*const gates[])(vctx *) = {gate_schemas,  gate_extensions, gate_row_security,
                                     gate_sensitive_rls, gate_roles, gate_privileges,
                                     gate_lifetime, gate_views,      gate_catalog_assumptions};
    for (size_t i = 0; i < ARRAY_SIZE(gates) && !v.err; i++)
        gates[i](&v);
    if (!v.err)
        gate_audit_trail(&v, journal_path);
    if (!v.err)
        gate_budget(&v);
    if (!v.err)
        read_automation(&v);
    /* the live probes are one more gate, judged with the others (verify/probes.h) */
    if (!v.err && probes && verify_probe(c, p, out, probes, &v.err) < 0 && !v.err)
        v.err = xstrdup("the live probes failed");
    if (!v.err) {
        for (size_t i = 0; i < out->ngates; i++) {
            verify_gate *g = &out->gates[i];
            g->pass = g->nproblems == 0;
            for (size_t k = 0; k < g->nparts; k++)
                g->parts[k].pass = g->parts[k].nproblems == 0;
        }
        verify_checklist(&v);
        if (!v.err)
            verify_signoffs(&v);
    }

    vctx_free_schemas(&v);
    if (v.err) {
        *err = v.err;
        verify_report_free(out);
        return -1;
    }
    return 0;
}

/* The verdict: the items, only (a gate counts as its item). */
size_t verify_failed(const verify_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nitems; i++)
        n += !r->items[i].line.pass;
    return n;
}

char *verify_failed_ids(const verify_report *r)
{
    strbuf sb = {0};
    for (size_t i = 0; i < r->nitems; i++)
        if (!r->items[i].line.pass)
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", r->items[i].line.id);
    return sb_detach(&sb, NULL);
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
    verify_signoffs_free(r);
    for (size_t i = 0; i < r->ngates; i++)
        gate_free(&r->gates[i]);
    free(r->gates);
    for (size_t i = 0; i < r->nitems; i++)
        gate_free(&r->items[i].line);
    free(r->items);
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
