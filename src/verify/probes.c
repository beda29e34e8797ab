/*
 * probes.c: the live probes of `pgward verify --probe` (probes.h): statements sent
 * as each restricted role inside transactions that always end in ROLLBACK, one
 * savepoint per probe so that a refused statement does not end the others.
 *
 * Why these statements (docs/verify.md, "Live probes"):
 *   - a plain INSERT in a READ ONLY transaction fails with 25006 before any
 *     privilege is looked at, which proves nothing; EXPLAIN INSERT/UPDATE/DELETE
 *     runs the executor's start, where PostgreSQL checks the table privileges
 *     (ExecCheckRTPerms), and runs nothing: no row, no trigger, no sequence, so
 *     the write probes stay READ ONLY and leave no trace even when they fail;
 *   - views are write paths too: EXPLAIN checks the role's privilege on the view
 *     and the view owner's on what it writes (so do a table's rules: probed alike). A view of a schema the role may not
 *     write must refuse (42501), or be one nobody can write (the rewriter's 0A000,
 *     55000) or that rewrites to nothing; a view of a schema it may write is probed
 *     with EXPLAIN (VERBOSE, FORMAT JSON) and every table the plan modifies must be
 *     one the role may write: the view is the path, its schema is not the family;
 *   - TRUNCATE cannot be EXPLAINed and is refused as read-only before its privilege
 *     is checked. TRUNCATE checks the privilege of each table named before it locks
 *     it (RangeVarCallbackForTruncate), in the order named, so the probe names a
 *     second relation that cannot exist, pg_temp.pgward_absent (this session never
 *     makes a temporary table): a role without the privilege is refused on the
 *     table (42501) without taking any lock; a role with it takes the lock (bounded
 *     by lock_timeout), then fails on the second name (3F000 or 42P01) before
 *     anything is truncated or any trigger fires. A foreign table whose wrapper
 *     cannot truncate is refused before its privilege, for everyone (0A000);
 *   - foreign tables are written like tables (EXPLAIN checks their privileges the
 *     same way; the wrapper's own refusal comes after it, so it is no proof);
 *   - CREATE TABLE is refused as read-only before its schema's CREATE privilege is
 *     checked, so the DDL and TRUNCATE probes run in a READ WRITE transaction of
 *     their own; every probe is rolled back to its savepoint at once, which also
 *     drops the locks it took;
 *   - SET ROLE in PostgreSQL 15 checks the session user, not the current one: from
 *     the verifier's session `SET ROLE other` tells about the verifier, never about
 *     the probed role. The probe asks, as the role, the server's own membership test
 *     (pg_has_role MEMBER, the one SET ROLE applies to the session user).
 */
#include "verify/probes.h"

#include <cjson/cJSON.h>

#include "conn/wait.h"
#include "verify/gate.h"

#define PROBE_TITLE                                                                     \
    "live as each restricted role, rolled back: writes, truncates and DDL it may not "  \
    "run are refused, views write only where it may write, "                            \
    "sensitive tables show no row its RLS policies do not allow, it can SET "           \
    "ROLE to no other role"

typedef struct pctx {
    PGconn *c;
    const policy *p;
    probe_report *r;
    char *err;
    const char *lock_timeout, *statement_timeout;
    const policy_role *rl; /* the role being probed */
} pctx;

/* A table of the database, with what the probes need to know of it. */
typedef struct ptable {
    char *schema, *name, *qname; /* qname: quoted, ready for SQL */
    char kind;                   /* pg_class.relkind: 'r', 'p', 'v' or 'f' */
    bool rules;                  /* a table with rules (relhasrules): it may write elsewhere */
    char **update_columns;       /* the columns UPDATE is probed on, plain: the first,
                                    and every column with an ACL of its own (of a
                                    view: of those it can update, else its first) */
    size_t nupdate_columns;
    bool sensitive;
    long seen_by_verifier;       /* rows the verifier sees (-1: cannot read it) */
} ptable;

static void add_line(char ***items, size_t *n, size_t *cap, char *line)
{
    GROW(*items, *cap, *n + 1);
    (*items)[(*n)++] = line;
}

static const char *setting_value(const policy *p, const char *name, const char *dflt)
{
    for (size_t i = 0; i < p->nsettings; i++)
        if (strcmp(p->settings[i].name, name) == 0)
            return p->settings[i].value;
    return dflt;
}

/* A statement that must work (transaction control, savepoints): else fatal. */
static bool must(pctx *x, const char *sql, int n, const char *const *params)
{
    if (x->err)
        return false;
    PGresult *res = conn_exec_params(x->c, sql, n, params);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char *m = conn_error_message(x->c, res);
        x->err = PQstatus(x->c) != CONNECTION_OK
                     ? xasprintf("lost the connection to the server during the probes (%s): "
                                 "%s; no verdict", sql, m)
                     : xasprintf("probes: %s: %s", sql, m);
        free(m);
    }
    PQclear(res);
    return !x->err;
}

static char *quoted(PGconn *c, const char *ident)
{
    char *q = PQescapeIdentifier(c, ident, strlen(ident));
    char *s = xstrdup(q ? q : "\"\"");
    PQfreemem(q);
    return s;
}

/* ------------------------------------------------------------------ one probe */

typedef enum {
    EXPECT_REFUSED,      /* 42501 */
    EXPECT_VIEW_REFUSED, /* 42501, or no one can write it: not updatable, rewrites to nothing */
    EXPECT_LANDS_ALLOWED, /* refused as a view is, or every table it modifies is allowed */
    EXPECT_TRUNCATE_REFUSED, /* 42501; the absent second relation is "accepted" */
    EXPECT_FOREIGN_TRUNCATE_REFUSED, /* also 0A000: its wrapper cannot truncate at all */
    EXPECT_ZERO_COUNT,
    EXPECT_NO_ROWS,
    EXPECT_ANY_COUNT
} expect;

/* The rewriter's refusal of a view no one can write that way: "cannot insert into
   view" (55000), "cannot update column ... of view" (0A000). */
static bool view_not_writable(const char *state)
{
    return strcmp(state, "55000") == 0 || strcmp(state, "0A000") == 0;
}

/* Each table an EXPLAIN (VERBOSE, FORMAT JSON) plan modifies, as "schema.name",
   appended to sb; false when one is not allowed cls for the probed role. */
static bool targets_allowed(pctx *x, const cJSON *node, unsigned cls, strbuf *sb)
{
    bool ok = true;
    if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "Node Type");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "ModifyTable") == 0) {
            const cJSON *sch = cJSON_GetObjectItemCaseSensitive(node, "Schema");
            const cJSON *rel = cJSON_GetObjectItemCaseSensitive(node, "Relation Name");
            const char *sn = cJSON_IsString(sch) ? sch->valuestring : "?";
            const char *rn = cJSON_IsString(rel) ? rel->valuestring : "?";
            bool may = cJSON_IsString(sch) && cJSON_IsString(rel) &&
                       (policy_table_classes(x->p, x->rl, sn, rn) & cls);
            sb_addf(sb, "%s%s.%s%s", sb->len ? ", " : "", sn, rn, may ? "" : " (not allowed)");
            ok = may;
        }
        const cJSON *child;
        cJSON_ArrayForEach(child, node)
        {
            if (!targets_allowed(x, child, cls, sb))
                ok = false;
        }
    }
    return ok;
}

/* Sends sql inside its own savepoint as the role in force and records the outcome
   against what is expected. Returns the probe, or NULL after a fatal error. */
static probe *run_probe(pctx *x, const char *role, const char *kind, char *what, char *sql,
                        expect e, const char *expected_text, unsigned cls)
{
    if (!must(x, "SAVEPOINT pgward_probe", 0, NULL)) {
        free(what);
        free(sql);
        return NULL;
    }
    probe_report *r = x->r;
    GROW(r->probes, r->cap, r->n + 1);
    probe *pr = &r->probes[r->n++];
    memset(pr, 0, sizeof(*pr));
    pr->role = xstrdup(role);
    pr->kind = kind;
    pr->what = what;
    pr->sql = sql;
    pr->expected = xstrdup(expected_text);

    PGresult *res = conn_exec(x->c, sql);
    ExecStatusType st = PQresultStatus(res);
    bool failed = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
    if (failed) {
        char *m = conn_error_message(x->c, res);
        const char *state = conn_sqlstate(res);
        bool absent = strcmp(state, "3F000") == 0 || strcmp(state, "42P01") == 0;
        if ((e == EXPECT_TRUNCATE_REFUSED || e == EXPECT_FOREIGN_TRUNCATE_REFUSED) && absent)
            pr->actual = xasprintf("accepted: the privilege check passed, stopped by "
                                   "pg_temp.pgward_absent (SQLSTATE %s: %s)",
                                   state, m);
        else
            pr->actual = xasprintf("SQLSTATE %s: %s", *state ? state : "none", m);
        /* a foreign table's wrapper without TRUNCATE is refused before the privilege
           check (truncate_check_rel), for everyone: 0A000 on its own name */
        pr->pass = strcmp(state, "42501") == 0 ||
                   ((e == EXPECT_VIEW_REFUSED || e == EXPECT_LANDS_ALLOWED) &&
                    view_not_writable(state)) ||
                   (e == EXPECT_FOREIGN_TRUNCATE_REFUSED && strcmp(state, "0A000") == 0);
        pr->pass = pr->pass && e != EXPECT_ZERO_COUNT && e != EXPECT_NO_ROWS &&
                   e != EXPECT_ANY_COUNT;
        free(m);
    } else if (e == EXPECT_VIEW_REFUSED && PQntuples(res) == 1 &&
               strcmp(PQgetvalue(res, 0, 0), "Query rewrites to nothing") == 0) {
        /* an unconditional DO INSTEAD NOTHING rule: the write does nothing */
        pr->actual = xstrdup("accepted: query rewrites to nothing");
        pr->pass = true;
    } else if (e == EXPECT_LANDS_ALLOWED) {
        cJSON *plan = PQntuples(res) == 1 ? cJSON_Parse(PQgetvalue(res, 0, 0)) : NULL;
        strbuf sb = {0};
        pr->pass = plan && targets_allowed(x, plan, cls, &sb);
        pr->actual = !plan ? xstrdup("accepted, plan unreadable")
                     : sb.len ? xasprintf("accepted, writes %s", sb.buf)
                              : xstrdup("accepted, writes nothing");
        sb_free(&sb);
        cJSON_Delete(plan);
    } else if (e == EXPECT_ZERO_COUNT || e == EXPECT_ANY_COUNT) {
        long n = PQntuples(res) == 1 ? cell_long(res, 0, 0) : -1;
        pr->actual = xasprintf("%ld row%s", n, n == 1 ? "" : "s");
        pr->pass = e == EXPECT_ANY_COUNT || n == 0;
    } else if (e == EXPECT_NO_ROWS) {
        strbuf sb = {0};
        for (int i = 0; i < PQntuples(res); i++)
            sb_addf(&sb, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
        pr->actual = PQntuples(res) ? sb_detach(&sb, NULL) : xstrdup("no role");
        sb_free(&sb);
        pr->pass = PQntuples(res) == 0;
    } else {
        pr->actual = xstrdup("accepted");
        pr->pass = false;
    }
    if (PQstatus(x->c) != CONNECTION_OK) {
        /* no verdict: the probes that did not run proved nothing (exit 3) */
        char *m = conn_error_message(x->c, res);
        x->err = xasprintf("lost the connection to the server while probing %s (%s %s), "
                           "after %zu probe%s: %s; no verdict",
                           role, kind, pr->what, r->n - 1, r->n == 2 ? "" : "s", m);
        free(m);
        PQclear(res);
        return NULL;
    }
    PQclear(res);
    /* always rolled back at once: what an accepted probe did and the locks it took */
    must(x, "ROLLBACK TO SAVEPOINT pgward_probe", 0, NULL);
    must(x, "RELEASE SAVEPOINT pgward_probe", 0, NULL);
    return x->err ? NULL : pr;
}

/* ------------------------------------------------------------------ the catalog */

static ptable *read_tables(pctx *x, size_t *n)
{
    *n = 0;
    /* a column UPDATE can go to: of a table any, of a view the ones the server says
       it can update (the others are the rewriter's refusal whatever the grants) */
#define UPDATABLE(a) "(c.relkind <> 'v' OR pg_column_is_updatable(c.oid, " a ".attnum, true))"
#define COLUMN(a) "(" a ".attrelid = c.oid AND " a ".attnum > 0 AND NOT " a ".attisdropped)"
    PGresult *res = conn_exec(
        x->c, "SELECT n.nspname, c.relname, "
              /* a column grant lets UPDATE through on that column only: the first
                 column answers for the table's ACL, each column with an ACL for itself;
                 a view none of whose columns can be updated: its first, to show it */
              "coalesce((SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a "
              "WHERE " COLUMN("a") " AND ((a.attacl IS NOT NULL AND " UPDATABLE("a") ") OR "
              "a.attnum = coalesce((SELECT min(b.attnum) FROM pg_attribute b WHERE " COLUMN("b")
              " AND " UPDATABLE("b") "), (SELECT min(b.attnum) FROM pg_attribute b WHERE "
              COLUMN("b") ")))), '[]'), "
              "coalesce((SELECT json_agg(a.attname) FROM pg_attribute a WHERE a.attrelid = c.oid "
              "AND a.attnum > 0 AND NOT a.attisdropped), '[]'), c.relkind, c.relhasrules "
              "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE c.relkind IN ('r', 'p', 'v', 'f') AND " USER_NSP("n") " ORDER BY 1, 2");
#undef UPDATABLE
#undef COLUMN
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char *m = conn_error_message(x->c, res);
        x->err = xasprintf("probes: cannot list the tables: %s", m);
        free(m);
        PQclear(res);
        return NULL;
    }
    ptable *t = xcalloc((size_t)PQntuples(res) + 1, sizeof(*t));
    for (int i = 0; i < PQntuples(res); i++) {
        ptable *tb = &t[(*n)++];
        tb->schema = xstrdup(PQgetvalue(res, i, 0));
        tb->name = xstrdup(PQgetvalue(res, i, 1));
        tb->kind = PQgetvalue(res, i, 4)[0];
        tb->rules = tb->kind != 'v' && strcmp(PQgetvalue(res, i, 5), "t") == 0;
        char *qs = quoted(x->c, tb->schema), *qn = quoted(x->c, tb->name);
        tb->qname = xasprintf("%s.%s", qs, qn);
        free(qs);
        free(qn);
        cJSON *ucols = cJSON_Parse(PQgetvalue(res, i, 2));
        const cJSON *uc;
        tb->update_columns = xcalloc((size_t)cJSON_GetArraySize(ucols) + 1, sizeof(char *));
        cJSON_ArrayForEach(uc, ucols)
        {
            if (cJSON_IsString(uc))
                tb->update_columns[tb->nupdate_columns++] = xstrdup(uc->valuestring);
        }
        cJSON_Delete(ucols);
        /* sensitive as the gate sensitive-rls says it (assumptions.c); a view's
           rows are its tables' and their RLS, read there; a foreign table has no RLS */
        char *plain = xasprintf("%s.%s", tb->schema, tb->name);
        bool table = tb->kind == 'r' || tb->kind == 'p';
        tb->sensitive = table && policy_patterns_match(x->p->sensitive_tables,
                                                                 x->p->nsensitive_tables, plain);
        free(plain);
        cJSON *cols = cJSON_Parse(PQgetvalue(res, i, 3));
        const cJSON *col;
        cJSON_ArrayForEach(col, cols)
        {
            if (table && cJSON_IsString(col) &&
                policy_patterns_match(x->p->sensitive_columns, x->p->nsensitive_columns,
                                      col->valuestring))
                tb->sensitive = true;
        }
        cJSON_Delete(cols);
        tb->seen_by_verifier = -1;
    }
    PQclear(res);
    return t;
}

static void free_tables(ptable *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].schema);
        free(t[i].name);
        free(t[i].qname);
        for (size_t k = 0; k < t[i].nupdate_columns; k++)
            free(t[i].update_columns[k]);
        free(t[i].update_columns);
    }
    free(t);
}

/* The user schemas (pg_*, information_schema left out), quoted and plain. */
static char **read_schemas(pctx *x, size_t *n)
{
    *n = 0;
    PGresult *res = conn_exec(x->c, "SELECT n.nspname FROM pg_namespace n WHERE " USER_NSP("n")
                                    " ORDER BY 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char *m = conn_error_message(x->c, res);
        x->err = xasprintf("probes: cannot list the schemas: %s", m);
        free(m);
        PQclear(res);
        return NULL;
    }
    char **s = xcalloc((size_t)PQntuples(res) + 1, sizeof(char *));
    for (int i = 0; i < PQntuples(res); i++)
        s[(*n)++] = xstrdup(PQgetvalue(res, i, 0));
    PQclear(res);
    return s;
}

/* Rows of each sensitive table the verifier itself sees: the evidence that a zero
   count as the role is a refusal, not an empty table. */
static void count_as_verifier(pctx *x, ptable *t, size_t n)
{
    if (!must(x, "BEGIN TRANSACTION READ ONLY", 0, NULL))
        return;
    for (size_t i = 0; i < n && !x->err; i++) {
        if (!t[i].sensitive)
            continue;
        if (!must(x, "SAVEPOINT pgward_probe", 0, NULL))
            break;
        char *sql = xasprintf("SELECT count(*) FROM %s", t[i].qname);
        PGresult *res = conn_exec(x->c, sql);
        free(sql);
        bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (ok)
            t[i].seen_by_verifier = cell_long(res, 0, 0);
        PQclear(res);
        must(x, ok ? "RELEASE SAVEPOINT pgward_probe" : "ROLLBACK TO SAVEPOINT pgward_probe", 0,
             NULL);
    }
    must(x, "ROLLBACK", 0, NULL);
}

/* The RLS policies of table t that apply to role (SELECT or ALL, to PUBLIC or to a
   role whose privileges it has, as PostgreSQL picks them); malloc'd, "" for none. */
static char *policies_for(pctx *x, const ptable *t, const char *role)
{
    const char *params[] = {t->qname, role};
    PGresult *res = conn_exec_params(
        x->c,
        "SELECT coalesce(string_agg(p.polname, ', ' ORDER BY p.polname), '') FROM pg_policy p "
        "WHERE p.polrelid = $1::regclass AND p.polcmd IN ('r', '*') AND p.polpermissive "
        "AND EXISTS (SELECT 1 FROM unnest(p.polroles) g "
        "            WHERE g = 0 OR pg_has_role($2, g, 'USAGE'))",
        2, params);
    char *s = NULL;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        s = xstrdup(PQgetvalue(res, 0, 0));
    } else {
        char *m = conn_error_message(x->c, res);
        x->err = xasprintf("probes: cannot read the policies of %s.%s: %s", t->schema, t->name, m);
        free(m);
    }
    PQclear(res);
    return s;
}

/* ------------------------------------------------------------------ one role */

/* BEGIN, the timeouts, SET LOCAL ROLE. false (transaction rolled back) when the
   role cannot be taken: a problem, recorded once per role. */
static bool begin_as(pctx *x, const char *role, bool read_write, bool report)
{
    if (!must(x, read_write ? "BEGIN TRANSACTION READ WRITE" : "BEGIN TRANSACTION READ ONLY", 0,
              NULL))
        return false;
    const char *params[] = {x->lock_timeout, x->statement_timeout};
    if (!must(x, "SELECT set_config('lock_timeout', $1, true), "
                 "set_config('statement_timeout', $2, true)",
              2, params))
        return false;
    char *q = quoted(x->c, role);
    char *sql = xasprintf("SET LOCAL ROLE %s", q);
    free(q);
    PGresult *res = conn_exec(x->c, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok && report) {
        char *m = conn_error_message(x->c, res);
        add_line(&x->r->problems, &x->r->nproblems, &x->r->capproblems,
                 xasprintf("%s: not probed: %s -> SQLSTATE %s: %s (connect as a member of %s, "
                           "or --no-probe)",
                           role, sql, conn_sqlstate(res), m, role));
        free(m);
    }
    PQclear(res);
    free(sql);
    if (!ok)
        must(x, "ROLLBACK", 0, NULL);
    return ok;
}

static void probe_role(pctx *x, const policy_role *rl, ptable *t, size_t nt, char **schemas,
                       size_t ns)
{
    const char *role = rl->name;
    x->rl = rl;
    /* the RLS policies that apply, read as the verifier before the role is taken */
    char **pols = xcalloc(nt + 1, sizeof(char *));
    for (size_t i = 0; i < nt && !x->err; i++)
        if (t[i].sensitive)
            pols[i] = policies_for(x, &t[i], role);

    if (!x->err && begin_as(x, role, false, true)) {
        static const struct {
            unsigned cls;
            const char *word;
        } writes[] = {{CLASS_INSERT, "insert into"}, {CLASS_UPDATE, "update"},
                      {CLASS_DELETE, "delete from"}};
        for (size_t i = 0; i < nt && !x->err; i++) {
            unsigned may = policy_table_classes(x->p, rl, t[i].schema, t[i].name);
            bool view = t[i].kind == 'v';
            for (size_t w = 0; w < ARRAY_SIZE(writes) && !x->err; w++) {
                /* a table the role may write is its own; a view, or a table's rules
                   (their actions run with the owner's privileges), may write elsewhere */
                bool allowed = may & writes[w].cls;
                if (allowed && !view && !t[i].rules)
                    continue;
                expect e = allowed                 ? EXPECT_LANDS_ALLOWED
                           : view || t[i].rules ? EXPECT_VIEW_REFUSED
                                                  : EXPECT_REFUSED;
                const char *exp = allowed ? "refused, or writes only tables it may write"
                                  : view  ? "SQLSTATE 42501, or a view no one can write so"
                                  : t[i].rules
                                      ? "SQLSTATE 42501, or rules that rewrite it to nothing"
                                      : "SQLSTATE 42501";
                const char *explain = allowed ? "EXPLAIN (VERBOSE, FORMAT JSON)" : "EXPLAIN";
                const char *suffix = view                ? " (view)"
                                     : t[i].kind == 'f' ? " (foreign table)"
                                     : t[i].rules       ? " (rules)"
                                                        : "";
                if (writes[w].cls == CLASS_UPDATE) {
                    /* a table without columns has nothing to update */
                    for (size_t k = 0; k < t[i].nupdate_columns && !x->err; k++) {
                        char *qc = quoted(x->c, t[i].update_columns[k]);
                        char *sql = xasprintf("%s UPDATE %s SET %s = DEFAULT WHERE false",
                                              explain, t[i].qname, qc);
                        free(qc);
                        run_probe(x, role, "write",
                                  xasprintf("update %s.%s%s (column %s)", t[i].schema,
                                            t[i].name, suffix, t[i].update_columns[k]),
                                  sql, e, exp, writes[w].cls);
                    }
                    continue;
                }
                /* INSERT of no column: any column's INSERT privilege would let it in */
                char *sql = writes[w].cls == CLASS_INSERT
                                ? xasprintf("%s INSERT INTO %s SELECT WHERE false", explain,
                                            t[i].qname)
                                : xasprintf("%s DELETE FROM %s WHERE false", explain, t[i].qname);
                run_probe(x, role, "write",
                          xasprintf("%s %s.%s%s", writes[w].word, t[i].schema, t[i].name, suffix),
                          sql, e, exp, writes[w].cls);
            }
            if (!t[i].sensitive || x->err)
                continue;
            char *sql = xasprintf("SELECT count(*) FROM %s", t[i].qname);
            char *what = xasprintf("%s.%s (sensitive)", t[i].schema, t[i].name);
            if (!(may & CLASS_SELECT)) {
                run_probe(x, role, "read", what, sql, EXPECT_REFUSED, "SQLSTATE 42501", 0);
            } else if (!*pols[i]) {
                probe *pr = run_probe(x, role, "read", what, sql, EXPECT_ZERO_COUNT,
                                      "0 rows (no RLS policy of the table applies to it)", 0);
                if (pr && t[i].seen_by_verifier <= 0)
                    add_line(&x->r->notes, &x->r->nnotes, &x->r->capnotes,
                             xasprintf("%s.%s shows %s to %s: a row %s should not see would "
                                       "not show either",
                                       t[i].schema, t[i].name,
                                       t[i].seen_by_verifier < 0 ? "nothing it can read"
                                                                 : "no row",
                                       x->r->verifier, role));
            } else {
                char *exp = xasprintf("the rows of its RLS policies %s (not checked row by row)",
                                      pols[i]);
                run_probe(x, role, "read", what, sql, EXPECT_ANY_COUNT, exp, 0);
                free(exp);
            }
        }
        if (!x->err)
            run_probe(x, role, "set-role", xstrdup("to another role"),
                      xstrdup("SELECT rolname FROM pg_roles WHERE rolname <> current_user AND "
                              "pg_has_role(current_user, oid, 'MEMBER') ORDER BY 1"),
                      EXPECT_NO_ROWS, "no role", 0);
        must(x, "ROLLBACK", 0, NULL);
    }

    /* TRUNCATE and DDL: the only probes that need READ WRITE, in a transaction of
       their own */
    bool any_rw = false;
    for (size_t i = 0; i < nt; i++)
        any_rw = any_rw || (t[i].kind != 'v' &&
                            !(policy_table_classes(x->p, rl, t[i].schema, t[i].name) &
                              CLASS_TRUNCATE));
    for (size_t s = 0; s < ns; s++)
        any_rw = any_rw || !(policy_schema_classes(x->p, rl, schemas[s]) & CLASS_DDL);
    if (any_rw && !x->err && begin_as(x, role, true, false)) {
        for (size_t i = 0; i < nt && !x->err; i++) {
            if (t[i].kind == 'v' ||
                (policy_table_classes(x->p, rl, t[i].schema, t[i].name) & CLASS_TRUNCATE))
                continue;
            /* ONLY: a table's inheritance children stay unlocked; a partitioned table
               cannot be truncated ONLY (it locks its partitions only once its own
               privilege check passed) */
            char *sql = xasprintf("TRUNCATE %s%s, pg_temp.pgward_absent",
                                  t[i].kind == 'p' ? "" : "ONLY ", t[i].qname);
            bool foreign = t[i].kind == 'f';
            run_probe(x, role, "write",
                      xasprintf("truncate %s.%s%s", t[i].schema, t[i].name,
                                foreign ? " (foreign table)" : ""),
                      sql, foreign ? EXPECT_FOREIGN_TRUNCATE_REFUSED : EXPECT_TRUNCATE_REFUSED,
                      foreign ? "SQLSTATE 42501, or 0A000 (its wrapper cannot truncate)"
                              : "SQLSTATE 42501",
                      0);
        }
        for (size_t s = 0; s < ns && !x->err; s++) {
            if (policy_schema_classes(x->p, rl, schemas[s]) & CLASS_DDL)
                continue;
            char *q = quoted(x->c, schemas[s]);
            char *sql = xasprintf("CREATE TABLE %s.pgward_probe ()", q);
            free(q);
            run_probe(x, role, "ddl", xasprintf("create table in schema %s", schemas[s]), sql,
                      EXPECT_REFUSED, "SQLSTATE 42501", 0);
        }
        must(x, "ROLLBACK", 0, NULL);
    }
    for (size_t i = 0; i < nt; i++)
        free(pols[i]);
    free(pols);
}

/* ------------------------------------------------------------------ the report */

int probes_run(PGconn *c, const policy *p, probe_report *out, char **err)
{
    memset(out, 0, sizeof(*out));
    pctx x = {.c = c, .p = p, .r = out,
              .lock_timeout = setting_value(p, "lock_timeout", "5s"),
              .statement_timeout = setting_value(p, "statement_timeout", "10s")};
    PGresult *res = conn_exec(c, "SELECT current_user");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        out->verifier = xstrdup(PQgetvalue(res, 0, 0));
    } else {
        char *m = conn_error_message(c, res);
        x.err = xasprintf("probes: cannot read the current user: %s", m);
        free(m);
    }
    PQclear(res);
    size_t nt = 0, ns = 0;
    ptable *t = x.err ? NULL : read_tables(&x, &nt);
    char **schemas = x.err ? NULL : read_schemas(&x, &ns);
    if (!x.err)
        count_as_verifier(&x, t, nt);
    for (size_t k = 0; k < p->nroles && !x.err; k++)
        if (p->roles[k].restricted)
            probe_role(&x, &p->roles[k], t, nt, schemas, ns);
    free_tables(t, nt);
    for (size_t s = 0; s < ns; s++)
        free(schemas[s]);
    free(schemas);
    if (x.err) {
        /* a failed statement may have left the transaction open: end it, rolled back */
        PQclear(conn_exec(c, "ROLLBACK"));
        *err = x.err;
        probe_report_free(out);
        return -1;
    }
    return 0;
}

void probe_report_free(probe_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        probe *pr = &r->probes[i];
        free(pr->role);
        free(pr->what);
        free(pr->sql);
        free(pr->expected);
        free(pr->actual);
    }
    free(r->probes);
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i]);
    free(r->problems);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r->verifier);
    memset(r, 0, sizeof(*r));
}

int verify_probe(PGconn *c, const policy *p, verify_report *rep, probe_report *keep,
                 char **err)
{
    probe_report pr;
    if (probes_run(c, p, &pr, err) < 0)
        return -1;
    vctx v = {.c = c, .p = p, .r = rep};
    verify_gate *g = gate_add(&v, "probes", PROBE_TITLE);
    size_t roles = 0, passed = 0;
    for (size_t k = 0; k < p->nroles; k++)
        roles += p->roles[k].restricted;
    for (size_t i = 0; i < pr.n; i++)
        passed += pr.probes[i].pass;
    gate_evidence(g, "%zu of %zu probes as expected, as %zu restricted role%s, from %s's "
                     "session, every transaction rolled back",
                  passed, pr.n, roles, roles == 1 ? "" : "s", pr.verifier);
    for (size_t i = 0; i < pr.n; i++) {
        const probe *q = &pr.probes[i];
        if (q->pass)
            gate_evidence(g, "%s: %s %s: %s -> %s", q->role, q->kind, q->what, q->sql, q->actual);
        else
            gate_problem(g, "%s: %s %s: %s -> %s, expected %s", q->role, q->kind, q->what, q->sql,
                         q->actual, q->expected);
    }
    for (size_t i = 0; i < pr.nnotes; i++)
        gate_evidence(g, "note: %s", pr.notes[i]);
    for (size_t i = 0; i < pr.nproblems; i++)
        gate_problem(g, "%s", pr.problems[i]);
    g->pass = g->nproblems == 0;
    if (keep)
        *keep = pr;
    else
        probe_report_free(&pr);
    return 0;
}
