/*
 * gate.c: the building blocks of verify's gates (gate.h): recording a gate's
 * evidence and problems, catalog queries, and the words the report uses.
 */
#include "verify/gate.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "conn/conn.h"
#include "conn/wait.h"

static void add_line(char ***items, size_t *n, size_t *cap, const char *fmt, va_list ap)
    PRINTF_LIKE(4, 0);
static void add_line(char ***items, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
    GROW(*items, *cap, *n + 1);
    (*items)[(*n)++] = xvasprintf(fmt, ap);
}

void gate_evidence(verify_gate *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&g->evidence, &g->nevidence, &g->capevidence, fmt, ap);
    va_end(ap);
}

void gate_problem(verify_gate *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_line(&g->problems, &g->nproblems, &g->capproblems, fmt, ap);
    va_end(ap);
}

verify_gate *gate_add(vctx *v, const char *id, const char *title)
{
    verify_report *r = v->r;
    GROW(r->gates, r->capgates, r->ngates + 1);
    verify_gate *g = &r->gates[r->ngates++];
    memset(g, 0, sizeof(*g));
    g->id = id;
    g->title = title;
    return g;
}

verify_gate *gate_part(verify_gate *g, const char *id, const char *title)
{
    GROW(g->parts, g->capparts, g->nparts + 1);
    verify_gate *part = &g->parts[g->nparts++];
    memset(part, 0, sizeof(*part));
    part->id = id;
    part->title = title;
    return part;
}

void gate_free(verify_gate *g)
{
    for (size_t k = 0; k < g->nevidence; k++)
        free(g->evidence[k]);
    for (size_t k = 0; k < g->nproblems; k++)
        free(g->problems[k]);
    for (size_t k = 0; k < g->nparts; k++)
        gate_free(&g->parts[k]);
    free(g->evidence);
    free(g->problems);
    free(g->parts);
    g->evidence = g->problems = NULL;
    g->parts = NULL;
    g->nevidence = g->nproblems = g->nparts = 0;
    g->capevidence = g->capproblems = g->capparts = 0;
}

void vctx_read_schemas(vctx *v)
{
    PGresult *s = catalog_query(v, "cannot list the schemas",
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

void vctx_free_schemas(vctx *v)
{
    for (size_t i = 0; i < v->nschemas; i++) {
        free(v->schemas[i]);
        free(v->owners[i]);
    }
    free(v->schemas);
    free(v->owners);
    free(v->iso);
    v->schemas = v->owners = NULL;
    v->iso = NULL;
    v->nschemas = v->capschemas = v->capowners = v->capiso = 0;
}

/* Runs a query; NULL with *msg ("message [SQLSTATE x]") when it fails. A lost
   connection is also fatal (v->err). */
PGresult *catalog_try(vctx *v, const char *sql, int n, const char *const *params,
                           char **msg)
{
    /* interruptible: apply runs the catalog checks inside a run (conn/wait.h) */
    PGresult *res = conn_exec_params(v->c, sql, n, params);
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
PGresult *catalog_query(vctx *v, const char *what, const char *sql, int n, const char *const *params)
{
    if (v->err)
        return NULL;
    char *msg = NULL;
    PGresult *res = catalog_try(v, sql, n, params, &msg);
    if (!res && !v->err)
        v->err = xasprintf("%s: %s", what, msg);
    free(msg);
    return res;
}

const char *cell_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

bool cell_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && strcmp(PQgetvalue(res, row, col), "t") == 0;
}

long cell_long(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtol(PQgetvalue(res, row, col), NULL, 10);
}

/* "select, insert" for a set of classes, "none" when empty. */
char *class_list(unsigned bits)
{
    strbuf sb = {0};
    for (size_t k = 0; k < stmt_nclasses; k++)
        if (bits & stmt_class_bits[k])
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", stmt_class_names[k]);
    if (!sb.len)
        sb_adds(&sb, "none");
    return sb_detach(&sb, NULL);
}

/* "3h05m", "2d04h", "45s": a duration for people. */
char *duration_text(long long secs)
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
int iso_of(const policy *p, const char *schema)
{
    int i = policy_isolated_index(p, schema);
    return i < MAX_ISOLATED ? i : -1;
}

int schema_iso(const vctx *v, const char *schema)
{
    for (size_t i = 0; i < v->nschemas; i++)
        if (strcmp(v->schemas[i], schema) == 0)
            return v->iso[i];
    return iso_of(v->p, schema);
}

/* The class a table privilege needs (0: unknown privilege, treated as ddl). */
unsigned table_priv_class(const char *priv)
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

const char *relkind_word(const char *kind)
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
char *how_held(const char *via, const char *grantor)
{
    if (!via || !*via)
        return xasprintf("granted directly by %s", grantor ? grantor : "?");
    return xasprintf("through membership in %s, granted by %s", via, grantor ? grantor : "?");
}
