/*
 * bodies.c: the bodies of functions and DO blocks a statement holds: where they
 * are, their language and clauses (recorded by the walk), and, on first use, their
 * parse (SQL through libpg_query, PL/pgSQL through pg_query_parse_plpgsql, each
 * SQL expression of it parsed on its own) walked as part of the statement: the
 * relations, calls and settings inside carry the body's index. A body is parsed at
 * most once per statement; the parse trees belong to the facts.
 */
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>

#include "analyze/walker.h"
#include "base/util.h"

/*
 * Node and field names of libpg_query's PL/pgSQL JSON (pg_query_parse_plpgsql);
 * pg_query.proto does not describe that output, so they are spelled here once.
 */
#define PLPGSQL_EXPR "PLpgSQL_expr"
#define PLPGSQL_QUERY "query"
#define PLPGSQL_LINENO "lineno"
#define PLPGSQL_DYNEXECUTE "PLpgSQL_stmt_dynexecute"
#define PLPGSQL_DYNFORS "PLpgSQL_stmt_dynfors"
#define PLPGSQL_DYNQUERY "dynquery"

/* ------------------------------------------------------------------ parsing */

static void walk_parsed(walker *w, const parsed_sql *p)
{
    for (size_t i = 0; i < p->nstmts; i++) {
        const cJSON *fl;
        pg_kind k = node_kind(p->stmts[i], &fl);
        if (k != PGK_NONE)
            walk_statement(w, k, fl);
    }
}

/*
 * One PL/pgSQL expression or statement: "DELETE FROM t", "n > 1",
 * "n := (SELECT ...)". Tried as SQL, then as a SELECT of it, then its right-hand
 * side; what none of these parse is not provable.
 */
static void plpgsql_expr(walker *w, const char *q)
{
    parsed_sql p = sql_parse(q);
    if (p.error) {
        parsed_sql_free(&p);
        const char *assign = strstr(q, ":=");
        char *sel = xasprintf("SELECT %s", assign ? assign + 2 : q);
        p = sql_parse(sel);
        free(sel);
    }
    if (p.error) {
        walk_mark_dynamic(w, "a PL/pgSQL expression pgward cannot parse");
        parsed_sql_free(&p);
        return;
    }
    const char *saved = w->sql;
    size_t saved_len = w->sql_len;
    long saved_base = w->sql_base;
    w->sql = q;
    w->sql_len = strlen(q);
    w->sql_base = -1;
    walk_parsed(w, &p);
    w->sql = saved;
    w->sql_len = saved_len;
    w->sql_base = saved_base;
    facts_own_parse(w->f, &p, NULL);
}

/* The offset in the statement text of line n (1-based) of the SQL starting at base. */
static long line_offset(const walker *w, long base, int n)
{
    const unit_info *u = &w->f->units[w->unit];
    const char *t = w->f->st->text;
    size_t end = u->offset + u->length, p = (size_t)base;
    for (int line = 1; line < n && p < end; p++)
        if (t[p] == '\n')
            line++;
    return (long)p;
}

/*
 * EXECUTE 'constant', FOR ... IN EXECUTE 'constant' and RETURN QUERY EXECUTE
 * 'constant' (stmt: the statement's fields; key: its query field): the constant
 * SQL is read like a statement of the body. The statement stays dynamic for the
 * gate (it does not prove what EXECUTE runs); the rules see the names in it.
 */
static void dynamic_constant(walker *w, const cJSON *stmt, const char *key)
{
    const char *q = str_field(field(field(stmt, key), PLPGSQL_EXPR), PLPGSQL_QUERY);
    if (!q)
        return;
    char *sel = xasprintf("SELECT %s", q);
    parsed_sql p = sql_parse(sel);
    free(sel);
    const cJSON *fl = NULL;
    if (!p.error && p.nstmts == 1 && node_kind(p.stmts[0], &fl) == PGK_SelectStmt) {
        const cJSON *targets = field(fl, PGF_targetList);
        const cJSON *val = field(field(cJSON_GetArrayItem(targets, 0), PGN_ResTarget), PGF_val);
        const char *sql = cJSON_GetArraySize(targets) == 1 ? const_string(val) : NULL;
        if (sql && !field(fl, PGF_fromClause)) {
            parsed_sql inner = sql_parse(sql);
            bool ok = !inner.error;
            parsed_sql_free(&inner);
            if (ok)
                plpgsql_expr(w, sql);
        }
    }
    facts_own_parse(w->f, &p, NULL); /* sql points into it */
}

static void plpgsql_tree(walker *w, const cJSON *v, long line_base)
{
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    const cJSON *lineno = field(v, PLPGSQL_LINENO);
    long saved = w->line_start;
    if (cJSON_IsObject(v) && cJSON_IsNumber(lineno) && line_base >= 0)
        w->line_start = line_offset(w, line_base, (int)lineno->valuedouble);
    const cJSON *c;
    cJSON_ArrayForEach(c, v) {
        if (c->string && (strcmp(c->string, PLPGSQL_DYNEXECUTE) == 0 ||
                          strcmp(c->string, PLPGSQL_DYNFORS) == 0 ||
                          (strcmp(c->string, PLPGSQL_DYNQUERY) == 0 && !cJSON_IsNull(c))))
            walk_mark_dynamic(w, "EXECUTE of a string (dynamic SQL)");
        if (c->string && (strcmp(c->string, PLPGSQL_DYNEXECUTE) == 0 ||
                          strcmp(c->string, PLPGSQL_DYNFORS) == 0))
            dynamic_constant(w, c, PLPGSQL_QUERY);
        if (c->string && strcmp(c->string, PLPGSQL_DYNQUERY) == 0 && !cJSON_IsNull(c))
            dynamic_constant(w, v, PLPGSQL_DYNQUERY);
        if (c->string && strcmp(c->string, PLPGSQL_EXPR) == 0) {
            const char *q = str_field(c, PLPGSQL_QUERY);
            if (q)
                plpgsql_expr(w, q);
            continue;
        }
        plpgsql_tree(w, c, line_base);
    }
    w->line_start = saved;
}

static void parse_plpgsql(walker *w, body_info *b)
{
    char *sql = xstrndup(b->stmt_sql, b->stmt_len);
    PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(sql);
    free(sql);
    cJSON *tree = r.error ? NULL : cJSON_Parse(r.plpgsql_funcs);
    pg_query_free_plpgsql_parse_result(r);
    if (!tree) {
        b->unparsable = true;
        walk_mark_dynamic(w, "a PL/pgSQL body pgward cannot parse");
        return;
    }
    /* line numbers count from the body's first line; the body starts at its offset */
    w->line_start = b->offset >= 0 ? b->offset : -1;
    plpgsql_tree(w, tree, b->offset);
    facts_own_parse(w->f, NULL, tree);
}

static void parse_sql(walker *w, body_info *b)
{
    parsed_sql p = sql_parse(b->text);
    if (p.error) {
        b->unparsable = true;
        walk_mark_dynamic(w, "an SQL function body that does not parse");
        parsed_sql_free(&p);
        return;
    }
    w->body_base = b->offset;
    if (b->offset < 0)
        w->line_start = b->line_base;
    w->sql = b->text;
    w->sql_len = strlen(b->text);
    w->sql_base = b->offset;
    walk_parsed(w, &p);
    facts_own_parse(w->f, &p, NULL);
}

void bodies_analyse(stmt_facts *f, size_t i, int body_depth)
{
    body_info *b = &f->bodies[i];
    if (b->parsed)
        return;
    b->parsed = true;
    walker w = {.f = f, .sess = f->sess, .unit = b->unit, .body = (int)i, .body_base = -1,
                .line_start = -1, .body_depth = body_depth, .no_dml = 1,
                .path = b->entry_path};
    if (b->depth >= MAX_BODY_DEPTH) {
        b->unparsable = true;
        walk_mark_dynamic(&w, "bodies nested too deeply");
    } else if (b->lang == BODY_PLPGSQL) {
        parse_plpgsql(&w, b);
    } else if (b->lang == BODY_SQL && b->text) {
        parse_sql(&w, b);
    } else {
        b->unparsable = true;
        walk_mark_dynamic(&w, "a body in a language pgward cannot analyse");
    }
    free(w.ctes);
}

const body_info *facts_body(stmt_facts *f, size_t i)
{
    if (i >= f->nbodies)
        return NULL;
    bodies_analyse(f, i, f->bodies[i].depth);
    return &f->bodies[i];
}

void facts_all_bodies(stmt_facts *f)
{
    for (size_t i = 0; i < f->nbodies; i++) /* parsing may add nested bodies */
        bodies_analyse(f, i, f->bodies[i].depth);
}
