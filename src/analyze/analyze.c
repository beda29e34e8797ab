/*
 * analyze.c: statement facts from parse trees; see analyze.h.
 *
 * One recursive walk over the JSON tree. A relation is any object with a
 * "relname" (libpg_query writes typed RangeVar fields without the "RangeVar"
 * wrapper); its access comes from where the walk found it: the target of INSERT,
 * UPDATE, DELETE, MERGE, TRUNCATE and COPY FROM is written, the object of DDL is
 * defined, everything else (FROM, subqueries anywhere, RETURNING, ON CONFLICT,
 * foreign-key targets, view queries) is read. WITH names are in scope for the
 * statement that declares them, so "FROM x" of a CTE x is not a table.
 */
#include "analyze/analyze.h"

#include <stdlib.h>
#include <string.h>

#include <pg_query.h>

#include "parse/pgnode.h"
#include "policy/policy.h"

typedef struct walker {
    stmt_facts *f;
    const analysis_state *as;
    const char **ctes;       /* CTE names in scope */
    size_t nctes, capctes;
    const char *stmt_text;   /* the SQL of the statement being walked (for PL/pgSQL) */
    size_t stmt_len;
    int depth;               /* bodies analysed inside bodies */
} walker;

/*
 * Node and field names of libpg_query's PL/pgSQL JSON (pg_query_parse_plpgsql);
 * pg_query.proto does not describe that output, so they are spelled here once.
 */
#define PLPGSQL_EXPR "PLpgSQL_expr"
#define PLPGSQL_QUERY "query"
#define PLPGSQL_DYNEXECUTE "PLpgSQL_stmt_dynexecute"
#define PLPGSQL_DYNFORS "PLpgSQL_stmt_dynfors"
#define PLPGSQL_DYNQUERY "dynquery"

#define MAX_BODY_DEPTH 4

static void walk(walker *w, const cJSON *v, unsigned acc, unsigned classes);
static void walk_statement(walker *w, const char *kind, const cJSON *f, analysis_state *as);
static void mark_dynamic(walker *w, const char *what);

/* ------------------------------------------------------------------ helpers */

/* The schema an unqualified name resolves to: the first real search_path entry. */
static const char *default_schema(const analysis_state *as)
{
    for (size_t i = 0; i < as->nsearch; i++) {
        const char *s = as->search_path[i];
        if (strcmp(s, "$user") != 0 && strcmp(s, "pg_catalog") != 0 && strcmp(s, "pg_temp") != 0)
            return s;
    }
    return "public";
}

/* Whether search_path has more than one schema an unqualified name could land in. */
static bool search_path_ambiguous(const analysis_state *as)
{
    if (as->path_unknown)
        return true;
    size_t n = 0;
    for (size_t i = 0; i < as->nsearch; i++) {
        const char *s = as->search_path[i];
        n += strcmp(s, "pg_catalog") != 0 && strcmp(s, "pg_temp") != 0;
    }
    return n > 1;
}

static void add_rel(walker *w, const char *schema, const char *name, unsigned acc,
                    unsigned classes, long loc)
{
    stmt_facts *f = w->f;
    /* merge repeated references to the same relation */
    for (size_t i = 0; i < f->nrels; i++) {
        rel_ref *r = &f->rels[i];
        if (strcmp(r->schema, schema) == 0 &&
            ((!r->name && !name) || (r->name && name && strcmp(r->name, name) == 0))) {
            r->access |= acc;
            r->classes |= classes;
            return;
        }
    }
    GROW(f->rels, f->caprels, f->nrels + 1);
    f->rels[f->nrels++] = (rel_ref){.schema = xstrdup(schema),
                                    .name = name ? xstrdup(name) : NULL,
                                    .access = acc,
                                    .classes = classes,
                                    .location = loc};
}

static bool is_cte(const walker *w, const char *name)
{
    for (size_t i = 0; i < w->nctes; i++)
        if (strcmp(w->ctes[i], name) == 0)
            return true;
    return false;
}

static void add_rangevar(walker *w, const cJSON *rv, unsigned acc, unsigned classes)
{
    const char *rel = str_field(rv, PGF_relname);
    const char *schema = str_field(rv, PGF_schemaname);
    if (!rel)
        return;
    if (!schema && is_cte(w, rel))
        return; /* a WITH query, not a table */
    const cJSON *loc = field(rv, PGF_location);
    add_rel(w, schema ? schema : default_schema(w->as), rel, acc, classes,
            cJSON_IsNumber(loc) ? (long)loc->valuedouble : -1);
    /* PostgreSQL picks the first schema that has the table: unknowable here */
    if (!schema && search_path_ambiguous(w->as)) {
        for (size_t i = 0; i < w->f->nrels; i++)
            if (w->f->rels[i].name && strcmp(w->f->rels[i].name, rel) == 0 &&
                strcmp(w->f->rels[i].schema, default_schema(w->as)) == 0)
                w->f->rels[i].ambiguous = true;
    }
}

/* A name list of String nodes (["eng", "t"]): schema and object. */
static void add_qualified_list(walker *w, const cJSON *items, unsigned acc, unsigned classes,
                               bool schema_only)
{
    const char *parts[3] = {NULL, NULL, NULL};
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        const char *sv = str_field(field(it, PGN_String), PGF_sval);
        if (sv && n < 3)
            parts[n++] = sv;
    }
    if (n == 0)
        return;
    if (schema_only)
        add_rel(w, parts[n - 1], NULL, acc, classes, -1);
    else if (n == 1)
        add_rel(w, default_schema(w->as), parts[0], acc, classes, -1);
    else
        add_rel(w, parts[n - 2], parts[n - 1], acc, classes, -1);
}

static void add_function(walker *w, const cJSON *funcname, long loc, bool procedure)
{
    strbuf sb = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, funcname) {
        const char *sv = str_field(field(it, PGN_String), PGF_sval);
        if (!sv)
            continue;
        if (sb.len)
            sb_addc(&sb, '.');
        sb_adds(&sb, sv);
    }
    if (!sb.len) {
        sb_free(&sb);
        return;
    }
    stmt_facts *f = w->f;
    size_t cap = f->capfunctions, cap2 = f->capfunctions;
    GROW(f->functions, f->capfunctions, f->nfunctions + 1);
    GROW(f->function_locs, cap, f->nfunctions + 1);
    GROW(f->function_is_procedure, cap2, f->nfunctions + 1);
    f->function_locs[f->nfunctions] = loc;
    f->function_is_procedure[f->nfunctions] = procedure;
    f->functions[f->nfunctions++] = sb_detach(&sb, NULL);
}

/*
 * nextval() and setval() change the sequence their first argument names: a write
 * of that relation. A name only known at run time cannot be proven.
 */
static void sequence_call(walker *w, const cJSON *call)
{
    const cJSON *names = field(call, PGF_funcname);
    const cJSON *last = cJSON_GetArrayItem(names, cJSON_GetArraySize(names) - 1);
    const char *fn = str_field(field(last, PGN_String), PGF_sval);
    if (fn && strcmp(fn, "set_config") == 0) {
        /* set_config('search_path', ...) changes it in ways not worth replaying */
        const cJSON *a0 = cJSON_GetArrayItem(field(call, PGF_args), 0);
        const char *setting = str_field(field(field(a0, PGN_A_Const), PGF_sval), PGF_sval);
        if (!setting || strcmp(setting, "search_path") == 0)
            w->f->search_path_unknown = true;
        return;
    }
    if (!fn || (strcmp(fn, "nextval") != 0 && strcmp(fn, "setval") != 0))
        return;
    const cJSON *arg = cJSON_GetArrayItem(field(call, PGF_args), 0);
    for (int guard = 0; guard < 8 && field(arg, PGN_TypeCast); guard++) /* 'vh.s'::regclass */
        arg = field(field(arg, PGN_TypeCast), PGF_arg);
    const char *seq = str_field(field(field(arg, PGN_A_Const), PGF_sval), PGF_sval);
    if (!seq) {
        mark_dynamic(w, "nextval() or setval() of a sequence named at run time");
        return;
    }
    const cJSON *loc = field(call, PGF_location);
    const char *dot = strchr(seq, '.');
    char *schema = dot ? xstrndup(seq, (size_t)(dot - seq)) : xstrdup(default_schema(w->as));
    add_rel(w, schema, dot ? dot + 1 : seq, ACC_WRITE, CLASS_UPDATE,
            cJSON_IsNumber(loc) ? (long)loc->valuedouble : -1);
    free(schema);
}

/* Brings a WITH clause's names into scope and walks its queries. */
static size_t enter_with(walker *w, const cJSON *with)
{
    size_t before = w->nctes;
    const cJSON *cte;
    cJSON_ArrayForEach(cte, field(with, PGF_ctes)) {
        const char *name = str_field(field(cte, PGN_CommonTableExpr), PGF_ctename);
        if (name) {
            GROW(w->ctes, w->capctes, w->nctes + 1);
            w->ctes[w->nctes++] = name;
        }
    }
    cJSON_ArrayForEach(cte, field(with, PGF_ctes)) {
        walk(w, field(field(cte, PGN_CommonTableExpr), PGF_ctequery), ACC_READ, CLASS_SELECT);
    }
    return before;
}

/* Walks every field of a node except the ones listed (handled by the caller). */
static void walk_rest(walker *w, const cJSON *fields, const char *const *skip, size_t nskip,
                      unsigned acc, unsigned classes)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, fields) {
        bool skipped = false;
        for (size_t i = 0; i < nskip && !skipped; i++)
            skipped = strcmp(c->string, skip[i]) == 0;
        if (!skipped)
            walk(w, c, acc, classes);
    }
}

/* ------------------------------------------------------------------ bodies */

static void walk_sql_text(walker *w, const char *sql);

static void mark_dynamic(walker *w, const char *what)
{
    w->f->dynamic = true;
    if (!w->f->dynamic_what)
        w->f->dynamic_what = what;
}

/*
 * One PL/pgSQL expression or statement: "DELETE FROM t", "n > 1",
 * "n := (SELECT ...)". Tried as SQL, then as a SELECT of it, then its right-hand
 * side; what none of these parse is not provable.
 */
static void walk_plpgsql_expr(walker *w, const char *q)
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
        mark_dynamic(w, "a PL/pgSQL expression pgward cannot parse");
    } else {
        for (size_t i = 0; i < p.nstmts; i++) {
            const char *kind = sql_node_kind(p.stmts[i]);
            if (kind)
                walk_statement(w, kind, sql_node_fields(p.stmts[i]), NULL);
        }
    }
    parsed_sql_free(&p);
}

static void walk_plpgsql_tree(walker *w, const cJSON *v)
{
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, v) {
            if (c->string && (strcmp(c->string, PLPGSQL_DYNEXECUTE) == 0 ||
                              strcmp(c->string, PLPGSQL_DYNFORS) == 0 ||
                              (strcmp(c->string, PLPGSQL_DYNQUERY) == 0 && !cJSON_IsNull(c))))
                mark_dynamic(w, "EXECUTE of a string (dynamic SQL)");
            if (c->string && strcmp(c->string, PLPGSQL_EXPR) == 0) {
                const char *q = str_field(c, PLPGSQL_QUERY);
                if (q)
                    walk_plpgsql_expr(w, q);
                continue;
            }
            walk_plpgsql_tree(w, c);
        }
    }
}

/* A DO block or CREATE FUNCTION ... LANGUAGE plpgsql: the SQL inside it. */
static void walk_plpgsql(walker *w)
{
    char *sql = xstrndup(w->stmt_text, w->stmt_len);
    PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(sql);
    free(sql);
    if (r.error) {
        mark_dynamic(w, "a PL/pgSQL body pgward cannot parse");
    } else {
        cJSON *tree = cJSON_Parse(r.plpgsql_funcs);
        if (tree)
            walk_plpgsql_tree(w, tree);
        else
            mark_dynamic(w, "a PL/pgSQL body pgward cannot parse");
        cJSON_Delete(tree);
    }
    pg_query_free_plpgsql_parse_result(r);
}

/* A LANGUAGE sql body given as a string. */
static void walk_sql_text(walker *w, const char *sql)
{
    parsed_sql p = sql_parse(sql);
    if (p.error)
        mark_dynamic(w, "an SQL function body that does not parse");
    for (size_t i = 0; i < p.nstmts; i++) {
        const char *kind = sql_node_kind(p.stmts[i]);
        if (kind)
            walk_statement(w, kind, sql_node_fields(p.stmts[i]), NULL);
    }
    parsed_sql_free(&p);
}

/* The language and "AS" strings of a function's or DO block's options. */
static const char *body_language(const cJSON *opts, const char *dflt, const char **body)
{
    const char *lang = dflt;
    *body = NULL;
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *n = str_field(d, PGF_defname);
        const cJSON *arg = field(d, PGF_arg);
        if (!n)
            continue;
        if (strcmp(n, "language") == 0)
            lang = str_field(field(arg, PGN_String), PGF_sval);
        else if (strcmp(n, "as") == 0) {
            const cJSON *items = field(field(arg, PGN_List), PGF_items);
            const cJSON *first = items ? cJSON_GetArrayItem(items, 0) : arg;
            *body = str_field(field(first, PGN_String), PGF_sval);
        }
    }
    return lang;
}

/* Analyses what a body would do when it runs, as part of this statement. */
static void walk_body(walker *w, const cJSON *opts, const char *dflt_lang, bool has_sql_body)
{
    if (has_sql_body)
        return; /* BEGIN ATOMIC / RETURN: already in the tree, walked as statements */
    const char *body;
    const char *lang = body_language(opts, dflt_lang, &body);
    if (w->depth >= MAX_BODY_DEPTH) {
        mark_dynamic(w, "bodies nested too deeply");
        return;
    }
    w->depth++;
    if (lang && strcmp(lang, "plpgsql") == 0)
        walk_plpgsql(w);
    else if (lang && strcmp(lang, "sql") == 0 && body)
        walk_sql_text(w, body);
    else
        mark_dynamic(w, "a body in a language pgward cannot analyse");
    w->depth--;
}

/* ------------------------------------------------------------------ statements */

static void walk_dml(walker *w, const char *kind, const cJSON *f)
{
    size_t scope = w->nctes;
    const cJSON *with = field(f, PGF_withClause);
    if (with)
        enter_with(w, field(with, PGN_WithClause) ? field(with, PGN_WithClause) : with);

    unsigned wclass = 0;
    unsigned tacc = ACC_WRITE;
    if (strcmp(kind, PGN_InsertStmt) == 0) {
        wclass = CLASS_INSERT;
        const cJSON *oc = field(f, PGF_onConflictClause);
        const char *action = str_field(field(oc, PGN_OnConflictClause), PGF_action);
        if (action && strcmp(action, "ONCONFLICT_UPDATE") == 0)
            wclass |= CLASS_UPDATE;
    } else if (strcmp(kind, PGN_UpdateStmt) == 0) {
        wclass = CLASS_UPDATE;
        tacc |= ACC_READ;
    } else if (strcmp(kind, PGN_DeleteStmt) == 0) {
        wclass = CLASS_DELETE;
        tacc |= ACC_READ;
    } else { /* MergeStmt */
        tacc |= ACC_READ;
        const cJSON *wc;
        cJSON_ArrayForEach(wc, field(f, PGF_mergeWhenClauses)) {
            const char *ct = str_field(field(wc, PGN_MergeWhenClause), PGF_commandType);
            if (!ct)
                continue;
            if (strcmp(ct, "CMD_INSERT") == 0)
                wclass |= CLASS_INSERT;
            else if (strcmp(ct, "CMD_UPDATE") == 0)
                wclass |= CLASS_UPDATE;
            else if (strcmp(ct, "CMD_DELETE") == 0)
                wclass |= CLASS_DELETE;
        }
    }
    w->f->classes |= wclass;
    add_rangevar(w, field(f, PGF_relation), tacc, wclass | (tacc & ACC_READ ? CLASS_SELECT : 0));
    static const char *const skip[] = {PGF_relation, PGF_withClause};
    walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
    w->nctes = scope;
}

static void reset_search_path(analysis_state *as)
{
    for (size_t i = 0; i < as->nsearch; i++)
        free(as->search_path[i]);
    as->nsearch = 0;
    GROW(as->search_path, as->capsearch, 2);
    as->search_path[as->nsearch++] = xstrdup("$user");
    as->search_path[as->nsearch++] = xstrdup("public");
    as->path_unknown = false;
}

/*
 * BEGIN, COMMIT, ROLLBACK, savepoints: SET LOCAL ends with the transaction and a
 * rollback undoes any SET since BEGIN (or the savepoint). Rather than replay that,
 * a search_path that may have been undone becomes unknown until the next SET.
 */
static void walk_transaction(const cJSON *f, analysis_state *as)
{
    const char *kind = str_field(f, PGF_kind);
    if (!kind || !as)
        return;
    if (strcmp(kind, "TRANS_STMT_BEGIN") == 0 || strcmp(kind, "TRANS_STMT_START") == 0) {
        as->in_txn = true;
        as->set_in_txn = as->local_in_txn = false;
    } else if (strcmp(kind, "TRANS_STMT_COMMIT") == 0 ||
               strcmp(kind, "TRANS_STMT_PREPARE") == 0) {
        if (as->local_in_txn)
            as->path_unknown = true;
        as->in_txn = as->set_in_txn = as->local_in_txn = false;
    } else if (strcmp(kind, "TRANS_STMT_ROLLBACK") == 0) {
        if (as->set_in_txn)
            as->path_unknown = true;
        as->in_txn = as->set_in_txn = as->local_in_txn = false;
    } else if (strcmp(kind, "TRANS_STMT_ROLLBACK_TO") == 0) {
        if (as->set_in_txn)
            as->path_unknown = true;
    }
}

/* search_path, role and the like: the script state a SET changes. */
static void walk_set(walker *w, const cJSON *f, analysis_state *as)
{
    const char *name = str_field(f, PGF_name);
    const char *kind = str_field(f, PGF_kind);
    if (kind && strcmp(kind, "VAR_RESET_ALL") == 0) {
        if (as)
            reset_search_path(as);
        return;
    }
    if (!name)
        return;
    if (strcmp(name, "role") == 0)
        w->f->identity_change = "SET ROLE";
    else if (strcmp(name, "session_authorization") == 0)
        w->f->identity_change = "SET SESSION AUTHORIZATION";
    else if (strcmp(name, "row_security") == 0)
        w->f->identity_change = "SET row_security";
    if (strcmp(name, "search_path") != 0 || !as)
        return;
    if (as->in_txn) {
        as->set_in_txn = true;
        if (cJSON_IsTrue(field(f, PGF_is_local)))
            as->local_in_txn = true;
    } else if (cJSON_IsTrue(field(f, PGF_is_local))) {
        return; /* SET LOCAL outside a transaction changes nothing */
    }
    as->path_unknown = false;
    for (size_t i = 0; i < as->nsearch; i++)
        free(as->search_path[i]);
    as->nsearch = 0;
    if (kind && strcmp(kind, "VAR_SET_VALUE") == 0) {
        const cJSON *a;
        cJSON_ArrayForEach(a, field(f, PGF_args)) {
            const char *sv = str_field(field(field(a, PGN_A_Const), PGF_sval), PGF_sval);
            if (sv) {
                GROW(as->search_path, as->capsearch, as->nsearch + 1);
                as->search_path[as->nsearch++] = xstrdup(sv);
            }
        }
    } else {
        GROW(as->search_path, as->capsearch, as->nsearch + 2);
        as->search_path[as->nsearch++] = xstrdup("$user");
        as->search_path[as->nsearch++] = xstrdup("public");
    }
}

/* Statements that change who may do what. */
static const char *const dcl_kinds[] = {
    PGN_AlterDefaultPrivilegesStmt, PGN_AlterRoleSetStmt, PGN_AlterRoleStmt,
    PGN_CreateRoleStmt, PGN_DropOwnedStmt, PGN_DropRoleStmt, PGN_GrantRoleStmt,
    PGN_GrantStmt, PGN_ReassignOwnedStmt,
};
/* Statements that only touch the session or the transaction. */
static const char *const session_kinds[] = {
    PGN_ClosePortalStmt, PGN_ConstraintsSetStmt, PGN_DeallocateStmt,
    PGN_DiscardStmt, PGN_ExecuteStmt, PGN_FetchStmt, PGN_ListenStmt, PGN_NotifyStmt,
    PGN_TransactionStmt, PGN_UnlistenStmt, PGN_VariableShowStmt,
};
static const char *const maintenance_kinds[] = {
    PGN_CheckPointStmt, PGN_ClusterStmt, PGN_ReindexStmt, PGN_VacuumStmt,
};

static bool kind_in(const char *kind, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kind, list[i]) == 0)
            return true;
    return false;
}

/* A top-level statement (or one nested in EXPLAIN, PREPARE, a CTE). */
static void walk_statement(walker *w, const char *kind, const cJSON *f, analysis_state *as)
{
    stmt_facts *facts = w->f;
    if (strcmp(kind, PGN_InsertStmt) == 0 || strcmp(kind, PGN_UpdateStmt) == 0 ||
        strcmp(kind, PGN_DeleteStmt) == 0 || strcmp(kind, PGN_MergeStmt) == 0) {
        walk_dml(w, kind, f);
    } else if (strcmp(kind, PGN_SelectStmt) == 0) {
        size_t scope = w->nctes;
        const cJSON *with = field(f, PGF_withClause);
        if (with)
            enter_with(w, field(with, PGN_WithClause) ? field(with, PGN_WithClause) : with);
        facts->classes |= CLASS_SELECT;
        const cJSON *into = field(f, PGF_intoClause);
        if (into) {
            facts->classes |= CLASS_DDL;
            add_rangevar(w, field(into, PGF_rel), ACC_DEFINE, CLASS_DDL);
        }
        static const char *const skip[] = {PGF_withClause, PGF_intoClause, PGF_lockingClause};
        size_t first = facts->nrels;
        walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
        /* FOR UPDATE/SHARE names aliases, not tables; locking rows needs UPDATE */
        if (field(f, PGF_lockingClause)) {
            for (size_t i = first; i < facts->nrels; i++)
                if (facts->rels[i].access & ACC_READ)
                    facts->rels[i].classes |= CLASS_UPDATE;
        }
        w->nctes = scope;
    } else if (strcmp(kind, PGN_CopyStmt) == 0) {
        bool from = cJSON_IsTrue(field(f, PGF_is_from));
        if (field(f, PGF_filename) || cJSON_IsTrue(field(f, PGF_is_program)))
            facts->server_access = cJSON_IsTrue(field(f, PGF_is_program))
                                       ? "COPY with a server program"
                                       : "COPY with a server file";
        facts->classes |= from ? CLASS_INSERT : CLASS_SELECT;
        add_rangevar(w, field(f, PGF_relation), from ? ACC_WRITE : ACC_READ,
                     from ? CLASS_INSERT : CLASS_SELECT);
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
    } else if (strcmp(kind, PGN_TruncateStmt) == 0) {
        facts->classes |= CLASS_TRUNCATE;
        walk(w, field(f, PGF_relations), ACC_WRITE, CLASS_TRUNCATE);
    } else if (strcmp(kind, PGN_ExplainStmt) == 0) {
        bool analyze = false;
        const cJSON *o;
        cJSON_ArrayForEach(o, field(f, PGF_options)) {
            const char *name = str_field(field(o, PGN_DefElem), PGF_defname);
            analyze |= name && strcmp(name, "analyze") == 0;
        }
        /* EXPLAIN ANALYZE runs its statement; plain EXPLAIN only plans it (reads) */
        const cJSON *q = field(f, PGF_query);
        if (analyze) {
            walk(w, q, ACC_READ, CLASS_SELECT);
        } else {
            stmt_facts planned = {0};
            walker pw = {.f = &planned, .as = w->as};
            walk(&pw, q, ACC_READ, CLASS_SELECT);
            for (size_t i = 0; i < planned.nrels; i++)
                add_rel(w, planned.rels[i].schema, planned.rels[i].name, ACC_READ, CLASS_SELECT,
                        planned.rels[i].location);
            free(pw.ctes);
            stmt_facts_free(&planned);
        }
    } else if (strcmp(kind, PGN_DeclareCursorStmt) == 0) {
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT); /* FETCH runs it */
    } else if (strcmp(kind, PGN_PrepareStmt) == 0) {
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT); /* as if EXECUTE ran it */
    } else if (strcmp(kind, PGN_VariableSetStmt) == 0) {
        walk_set(w, f, as);
    } else if (strcmp(kind, PGN_DoStmt) == 0) {
        facts->classes |= CLASS_CALL;
        walk_body(w, field(f, PGF_args), "plpgsql", false);
    } else if (strcmp(kind, PGN_CallStmt) == 0) {
        facts->classes |= CLASS_CALL;
        const cJSON *call = field(f, PGF_funccall); /* a typed FuncCall: no wrapper */
        const cJSON *loc = field(call, PGF_location);
        add_function(w, field(call, PGF_funcname),
                     cJSON_IsNumber(loc) ? (long)loc->valuedouble : -1, true);
        walk(w, field(call, PGF_args), ACC_READ, CLASS_SELECT);
    } else if (strcmp(kind, PGN_LoadStmt) == 0) {
        facts->server_access = "LOAD of a server library";
    } else if (strcmp(kind, PGN_AlterSystemStmt) == 0) {
        facts->classes |= CLASS_DCL;
        facts->identity_change = "ALTER SYSTEM";
    } else if (kind_in(kind, dcl_kinds, ARRAY_SIZE(dcl_kinds))) {
        facts->classes |= CLASS_DCL;
        facts->identity_change = strcmp(kind, PGN_GrantStmt) == 0
                                     ? (cJSON_IsTrue(field(f, PGF_is_grant)) ? "GRANT" : "REVOKE")
                                 : strcmp(kind, PGN_GrantRoleStmt) == 0 ? "GRANT or REVOKE of a role"
                                 : strcmp(kind, PGN_AlterDefaultPrivilegesStmt) == 0
                                     ? "ALTER DEFAULT PRIVILEGES"
                                     : "a role change";
        const char *targtype = str_field(f, PGF_targtype);
        const char *objtype = str_field(f, PGF_objtype);
        if (strcmp(kind, PGN_GrantStmt) == 0 &&
            ((targtype && strcmp(targtype, "ACL_TARGET_ALL_IN_SCHEMA") == 0) ||
             (objtype && strcmp(objtype, "OBJECT_SCHEMA") == 0))) {
            const cJSON *o;
            cJSON_ArrayForEach(o, field(f, PGF_objects)) {
                const char *sv = str_field(field(o, PGN_String), PGF_sval);
                if (sv)
                    add_rel(w, sv, NULL, ACC_DEFINE, CLASS_DCL, -1);
            }
        }
        walk_rest(w, f, NULL, 0, ACC_DEFINE, CLASS_DCL);
    } else if (strcmp(kind, PGN_DiscardStmt) == 0) {
        const char *target = str_field(f, PGF_target);
        if (target && strcmp(target, "DISCARD_ALL") == 0) {
            /* includes SET SESSION AUTHORIZATION DEFAULT and RESET ALL */
            facts->identity_change = "DISCARD ALL";
            if (as)
                reset_search_path(as);
        }
    } else if (strcmp(kind, PGN_TransactionStmt) == 0) {
        walk_transaction(f, as);
    } else if (kind_in(kind, session_kinds, ARRAY_SIZE(session_kinds))) {
        /* transaction control and session commands: no class */
    } else if (kind_in(kind, maintenance_kinds, ARRAY_SIZE(maintenance_kinds))) {
        facts->classes |= CLASS_MAINTENANCE;
        walk_rest(w, f, NULL, 0, ACC_DEFINE, CLASS_MAINTENANCE);
    } else if (strcmp(kind, PGN_CreateTableAsStmt) == 0) {
        /* CREATE TABLE AS / CREATE MATERIALIZED VIEW: defines a table, runs a query */
        facts->classes |= CLASS_DDL;
        add_rangevar(w, field(field(f, PGF_into), PGF_rel), ACC_DEFINE, CLASS_DDL);
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
    } else if (strcmp(kind, PGN_CreateSchemaStmt) == 0) {
        facts->classes |= CLASS_DDL;
        const char *name = str_field(f, PGF_schemaname);
        if (name)
            add_rel(w, name, NULL, ACC_DEFINE, CLASS_DDL, -1);
        walk(w, field(f, PGF_schemaElts), ACC_DEFINE, CLASS_DDL);
    } else if (strcmp(kind, PGN_DropStmt) == 0) {
        facts->classes |= CLASS_DDL;
        const char *type = str_field(f, PGF_removeType);
        bool schema = type && strcmp(type, "OBJECT_SCHEMA") == 0;
        /* DROP POLICY / TRIGGER / RULE name ON table: the list ends with the name */
        bool on_table = type && (strcmp(type, "OBJECT_POLICY") == 0 ||
                                 strcmp(type, "OBJECT_TRIGGER") == 0 ||
                                 strcmp(type, "OBJECT_RULE") == 0);
        const cJSON *o;
        cJSON_ArrayForEach(o, field(f, PGF_objects)) {
            const cJSON *items = field(field(o, PGN_List), PGF_items);
            if (items && on_table) {
                cJSON *table = cJSON_Duplicate(items, true);
                cJSON_DeleteItemFromArray(table, cJSON_GetArraySize(table) - 1);
                add_qualified_list(w, table, ACC_DEFINE, CLASS_DDL, false);
                cJSON_Delete(table);
            } else if (items) {
                add_qualified_list(w, items, ACC_DEFINE, CLASS_DDL, schema);
            } else if (schema) {
                const char *sv = str_field(field(o, PGN_String), PGF_sval);
                if (sv)
                    add_rel(w, sv, NULL, ACC_DEFINE, CLASS_DDL, -1);
            }
        }
    } else {
        /* CREATE, ALTER, COMMENT, ...: everything else defines something. Its own
           relation is defined; relations it mentions (foreign keys, view queries,
           trigger tables) are read. */
        facts->classes |= CLASS_DDL;
        static const char *const targets[] = {PGF_relation, PGF_view, PGF_table};
        for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
            const cJSON *t = field(f, targets[i]);
            if (t && field(t, PGF_relname))
                add_rangevar(w, t, ACC_DEFINE, CLASS_DDL);
        }
        if (strcmp(kind, PGN_CreateTrigStmt) == 0) {
            /* the trigger's function: a reference into its schema */
            const cJSON *fn = field(f, PGF_funcname);
            if (cJSON_GetArraySize(fn) >= 2) {
                const char *sv = str_field(
                    field(cJSON_GetArrayItem(fn, cJSON_GetArraySize(fn) - 2), PGN_String), PGF_sval);
                if (sv)
                    add_rel(w, sv, NULL, ACC_READ, CLASS_SELECT, -1);
            }
        }
        if (strcmp(kind, PGN_CreateFunctionStmt) == 0) {
            add_qualified_list(w, field(f, PGF_funcname), ACC_DEFINE, CLASS_DDL, false);
            walk_body(w, field(f, PGF_options), NULL, field(f, PGF_sql_body) != NULL);
        }
        walk_rest(w, f, targets, ARRAY_SIZE(targets), ACC_READ, CLASS_SELECT);
    }
}

/* ------------------------------------------------------------------ the walk */

static void walk(walker *w, const cJSON *v, unsigned acc, unsigned classes)
{
    if (!v)
        return;
    if (cJSON_IsArray(v)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, v) walk(w, c, acc, classes);
        return;
    }
    if (!cJSON_IsObject(v))
        return;
    if (field(v, PGF_relname) && cJSON_IsString(field(v, PGF_relname))) {
        add_rangevar(w, v, acc, classes);
        return;
    }
    const cJSON *only = v->child;
    if (only && !only->next && cJSON_IsObject(only) && only->string &&
        only->string[0] >= 'A' && only->string[0] <= 'Z') {
        const char *kind = only->string;
        if (strcmp(kind, PGN_RangeVar) == 0) {
            add_rangevar(w, only, acc, classes);
            return;
        }
        if (strcmp(kind, PGN_A_Expr) == 0) {
            /* OPERATOR(schema.op) runs that schema's function: a call like any other */
            const cJSON *name = field(only, PGF_name);
            if (cJSON_GetArraySize(name) >= 2) {
                const cJSON *loc = field(only, PGF_location);
                add_function(w, name, cJSON_IsNumber(loc) ? (long)loc->valuedouble : -1, false);
            }
        }
        if (strcmp(kind, PGN_FuncCall) == 0) {
            const cJSON *loc = field(only, PGF_location);
            add_function(w, field(only, PGF_funcname),
                         cJSON_IsNumber(loc) ? (long)loc->valuedouble : -1, false);
            sequence_call(w, only);
        }
        if (str_field(only, PGF_relname) == NULL && strstr(kind, "Stmt") &&
            strcmp(kind, PGN_RawStmt) != 0) {
            walk_statement(w, kind, only, NULL); /* nested statement (CTE, rule action) */
            return;
        }
        walk(w, only, acc, classes);
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, v) walk(w, c, acc, classes);
}

/* ------------------------------------------------------------------ API */

analysis_state analysis_state_init(void)
{
    analysis_state as = {0};
    GROW(as.search_path, as.capsearch, 2);
    as.search_path[as.nsearch++] = xstrdup("$user");
    as.search_path[as.nsearch++] = xstrdup("public");
    return as;
}

void analysis_state_free(analysis_state *as)
{
    for (size_t i = 0; i < as->nsearch; i++)
        free(as->search_path[i]);
    free(as->search_path);
    memset(as, 0, sizeof(*as));
}

void analyze_statement(const statement *st, analysis_state *as, stmt_facts *out)
{
    memset(out, 0, sizeof(*out));
    if (st->parse.error) {
        out->unparsed = true;
        return;
    }
    walker w = {.f = out, .as = as};
    for (size_t i = 0; i < st->parse.nstmts; i++) {
        const char *kind = sql_node_kind(st->parse.stmts[i]);
        /* this statement's own text, for bodies that need parsing again */
        size_t loc, len;
        sql_stmt_span(&st->parse, st->text_len, i, &loc, &len);
        w.stmt_text = st->text + loc;
        w.stmt_len = len;
        if (kind)
            walk_statement(&w, kind, sql_node_fields(st->parse.stmts[i]), as);
    }
    if (out->search_path_unknown)
        as->path_unknown = true;
    free(w.ctes);
}

void stmt_facts_add_rel(stmt_facts *f, const char *schema, const char *name, unsigned access,
                        unsigned classes, long location)
{
    walker w = {.f = f};
    add_rel(&w, schema, name, access, classes, location);
}

void stmt_facts_free(stmt_facts *f)
{
    for (size_t i = 0; i < f->nrels; i++) {
        free(f->rels[i].schema);
        free(f->rels[i].name);
    }
    free(f->rels);
    for (size_t i = 0; i < f->nfunctions; i++)
        free(f->functions[i]);
    free(f->functions);
    free(f->function_locs);
    free(f->function_is_procedure);
    memset(f, 0, sizeof(*f));
}
