/*
 * rules_security.c: the security rules pgspot checks, adapted to migration
 * scripts; see rules_security.h. One pass collects what the whole script does
 * (the policies it creates, the functions it later pins with ALTER FUNCTION ...
 * SET search_path), a second pass goes through the statements in order, tracking
 * the schemas the script has created so far and the session's search_path.
 *
 *   function-search-path             CREATE FUNCTION/PROCEDURE (not LANGUAGE c or
 *                                    internal) without SET search_path, here or in a
 *                                    later ALTER FUNCTION of the same name
 *   create-or-replace-foreign        CREATE OR REPLACE (function, procedure, view,
 *                                    trigger, rule, aggregate) or CREATE ... IF NOT
 *                                    EXISTS (table, foreign table, index, sequence,
 *                                    table as, statistics, collation, schema,
 *                                    extension) in a schema no earlier plain CREATE
 *                                    SCHEMA made; unqualified names and temporary
 *                                    objects: see the code
 *   unqualified-in-security-definer  unqualified relation or function (not one of
 *                                    pg_catalog's) in a SECURITY DEFINER body: SQL
 *                                    string, BEGIN ATOMIC / RETURN, or PL/pgSQL;
 *                                    at most 3 per function
 *   unsafe-search-path               a search_path value (SET, set_config(), ALTER
 *                                    ROLE/DATABASE ... SET, a function's SET clause or
 *                                    FROM CURRENT, SET inside bodies) with public,
 *                                    "$user", an empty element or pg_temp not last;
 *                                    for functions pg_temp must be listed, last
 *   extension-in-public              CREATE EXTENSION without WITH SCHEMA or WITH
 *                                    SCHEMA public
 *   policy-always-true               CREATE/ALTER POLICY, permissive, USING (true) or
 *                                    WITH CHECK (true), for PUBLIC (no TO, or TO
 *                                    PUBLIC among the roles)
 *   rls-without-policy               ENABLE ROW LEVEL SECURITY on a table no CREATE
 *                                    POLICY of the script is on
 */
#include "rules/rules_security.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pg_query.h>

#include "rules/lint.h"
#include "pg_catalog_functions.h"
#include "parse/pgnode.h"


/* Names in libpg_query's PL/pgSQL JSON (pg_query_parse_plpgsql), as in analyze.c. */
#define PLPGSQL_EXPR "PLpgSQL_expr"
#define PLPGSQL_QUERY "query"
#define PLPGSQL_LINENO "lineno"

/* Findings of unqualified-in-security-definer per function. */
#define MAX_UNQUALIFIED_REPORTS 3

/* A table as written: schema NULL when unqualified. */
typedef struct table_name {
    const char *schema;
    const char *name;
} table_name;

/* A policy the script creates, and whether it applies to PUBLIC. */
typedef struct created_policy {
    table_name table;
    const char *name;
    bool for_public;
} created_policy;

typedef struct sec {
    const lint_config *cfg;
    script *s;
    /* the whole script (first pass) */
    table_name *policy_tables;
    size_t npolicy_tables, cappolicy_tables;
    created_policy *policies;
    size_t npolicies, cappolicies;
    const cJSON **pinned_later; /* ALTER FUNCTION ... SET search_path: objname lists */
    size_t npinned, cappinned;
    /* so far (second pass) */
    const char **schemas;       /* made by a plain CREATE SCHEMA */
    size_t nschemas, capschemas;
    char **path;                /* the session's search_path, when known */
    size_t npath, cappath;
    bool path_known;
    bool definer_clause;        /* checking a SECURITY DEFINER function's SET clause */
} sec;

/* The statement being checked: one raw statement of st. */
typedef struct cur {
    const statement *st;
    size_t raw_off, raw_len;    /* this raw statement's slice of st->text */
} cur;

/* ------------------------------------------------------------------ helpers */

static bool true_field(const cJSON *o, const char *name)
{
    return cJSON_IsTrue(field(o, name));
}

/* The sval of a {"String": {"sval": ...}} node. */
static const char *string_node(const cJSON *n)
{
    return str_field(field(n, PGN_String), PGF_sval);
}

/* The sval of an {"A_Const": {"sval": {"sval": ...}}} node, or NULL. */
static const char *const_string(const cJSON *n)
{
    return str_field(field(field(n, PGN_A_Const), PGF_sval), PGF_sval);
}

/* A name list (["s", "f"]) joined with dots, malloc'd. */
static char *joined_name(const cJSON *items)
{
    strbuf sb = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        const char *sv = string_node(it);
        if (!sv)
            continue;
        if (sb.len)
            sb_addc(&sb, '.');
        sb_adds(&sb, sv);
    }
    if (!sb.len)
        sb_adds(&sb, "?");
    return sb_detach(&sb, NULL);
}

/* The schema of a name list: the element before the last, or NULL. */
static const char *list_schema(const cJSON *items)
{
    int n = cJSON_GetArraySize(items);
    return n >= 2 ? string_node(cJSON_GetArrayItem(items, n - 2)) : NULL;
}

static const char *list_last(const cJSON *items)
{
    int n = cJSON_GetArraySize(items);
    return n >= 1 ? string_node(cJSON_GetArrayItem(items, n - 1)) : NULL;
}

static char *rangevar_name(const cJSON *rv)
{
    const char *schema = str_field(rv, PGF_schemaname), *rel = str_field(rv, PGF_relname);
    return schema ? xasprintf("%s.%s", schema, rel ? rel : "?") : xstrdup(rel ? rel : "?");
}

/* The DefElem of opts named name, or NULL. */
static const cJSON *defelem(const cJSON *opts, const char *name)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *n = str_field(d, PGF_defname);
        if (n && strcmp(n, name) == 0)
            return d;
    }
    return NULL;
}

/* The SET search_path of a function's options, or NULL. */
static const cJSON *search_path_setting(const cJSON *opts)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *n = str_field(d, PGF_defname);
        const cJSON *vs = field(field(d, PGF_arg), PGN_VariableSetStmt);
        const char *var = str_field(vs, PGF_name);
        if (n && strcmp(n, "set") == 0 && var && strcmp(var, "search_path") == 0)
            return vs;
    }
    return NULL;
}

static bool pins_search_path(const cJSON *opts)
{
    const char *kind = str_field(search_path_setting(opts), PGF_kind);
    return kind && (strcmp(kind, "VAR_SET_VALUE") == 0 || strcmp(kind, "VAR_SET_CURRENT") == 0);
}

static bool is_security_definer(const cJSON *opts)
{
    const cJSON *d = defelem(opts, "security");
    return cJSON_IsTrue(field(field(field(d, PGF_arg), PGN_Boolean), PGF_boolval));
}

static int cmp_name(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

/* Whether name is one of pg_catalog's functions (from the server's postgres.bki). */
static bool catalog_function(const char *name)
{
    return bsearch(name, pg_catalog_functions, ARRAY_SIZE(pg_catalog_functions),
                   sizeof(pg_catalog_functions[0]), cmp_name) != NULL;
}

/* Whether the policy names schema as one of its own: a family's (by name or
   pattern), a bridge or a protected schema. Who may create objects there is the
   policy's business (and pgward verify's), so they count as created here. */
static bool policy_schema(const policy *p, const char *schema)
{
    if (!p || !schema)
        return false;
    if (policy_family_of(p, schema))
        return true;
    for (size_t i = 0; i < p->nbridges; i++)
        if (strcmp(p->bridges[i].schema, schema) == 0)
            return true;
    for (size_t i = 0; i < p->nprotected; i++)
        if (strcmp(p->protected_schemas[i], schema) == 0)
            return true;
    return false;
}

static bool schema_created(const sec *c, const char *schema)
{
    for (size_t i = 0; schema && i < c->nschemas; i++)
        if (strcmp(c->schemas[i], schema) == 0)
            return true;
    return policy_schema(c->cfg->policy, schema);
}

/* Two table names can be the same table: equal names, and equal schemas when both
   are written (an unqualified name could be either). */
static bool same_table(table_name a, table_name b)
{
    return a.name && b.name && strcmp(a.name, b.name) == 0 &&
           (!a.schema || !b.schema || strcmp(a.schema, b.schema) == 0);
}

static table_name table_of(const cJSON *rv)
{
    return (table_name){str_field(rv, PGF_schemaname), str_field(rv, PGF_relname)};
}

#define report(c, cu, rule, loc, ...) \
    lint_report((c)->cfg, (c)->s, (cu)->st, rule, loc, __VA_ARGS__)

/* A node location (in st->text, as libpg_query gives it), or the statement's start. */
static long at(const cur *cu, long loc)
{
    return loc < 0 ? (long)cu->raw_off : loc;
}

/* A location in SQL parsed on its own, which starts at base in st->text (-1: unknown). */
static long based(long base, long loc, long fallback)
{
    return base >= 0 && loc >= 0 ? base + loc : fallback;
}

/* ------------------------------------------------------------------ search_path values */

static void path_clear(sec *c)
{
    for (size_t i = 0; i < c->npath; i++)
        free(c->path[i]);
    c->npath = 0;
}

static void path_add(sec *c, const char *v)
{
    GROW(c->path, c->cappath, c->npath + 1);
    c->path[c->npath++] = xstrdup(v);
}

static void path_default(sec *c)
{
    path_clear(c);
    path_add(c, "$user");
    path_add(c, "public");
    c->path_known = true;
}

/*
 * Splits a search_path string as PostgreSQL's SplitIdentifierString does: commas
 * outside double quotes, blanks trimmed, unquoted names lowercased, "" inside quotes
 * a quote. Appends the elements to *out (malloc'd).
 */
static void split_path(const char *v, char ***out, size_t *n, size_t *cap)
{
    const char *p = v;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        strbuf sb = {0};
        sb_adds(&sb, "");
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"') {
                    sb_addc(&sb, '"');
                    p++;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    sb_addc(&sb, *p);
                }
            }
        } else {
            const char *start = p;
            while (*p && *p != ',')
                p++;
            const char *end = p;
            while (end > start && isspace((unsigned char)end[-1]))
                end--;
            for (const char *q = start; q < end; q++)
                sb_addc(&sb, (char)tolower((unsigned char)*q));
        }
        GROW(*out, *cap, *n + 1);
        (*out)[(*n)++] = sb_detach(&sb, NULL);
        while (*p && *p != ',')
            p++;
        if (*p != ',')
            return;
        p++;
    }
}

/*
 * What is unsafe about a search_path (elements in order), or NULL: public,
 * "$user", an empty element, pg_temp before the end; for a function (its SET
 * clause, or a SET in its body), also pg_temp not listed at all, since then it is
 * searched first. *bad_index is the element to point at (-1: none).
 */
static const char *path_problem(char *const *elts, size_t n, bool function, size_t *bad_index)
{
    bool has_temp = false;
    for (size_t i = 0; i < n; i++) {
        *bad_index = i;
        if (strcmp(elts[i], "public") == 0)
            return "contains public, where other roles may be able to create objects";
        if (strcmp(elts[i], "$user") == 0)
            return "contains \"$user\", a schema the calling role may own";
        if (elts[i][0] == '\0')
            return "contains an empty element";
        if (strcmp(elts[i], "pg_temp") == 0) {
            if (i + 1 != n)
                return "lists pg_temp before other schemas (list it last)";
            has_temp = true;
        }
    }
    *bad_index = (size_t)-1;
    if (function && !has_temp)
        return "does not list pg_temp, so the caller's temporary schema is searched first "
               "(list pg_temp last)";
    return NULL;
}

static char *path_text(char *const *elts, size_t n)
{
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < n; i++)
        sb_addf(&sb, "%s%s", i ? ", " : "", elts[i][0] && strcmp(elts[i], "$user") != 0
                                                ? elts[i]
                                                : elts[i][0] ? "\"$user\"" : "''");
    return sb_detach(&sb, NULL);
}

/* Checks one search_path value; locs (may be NULL) locate each element. */
static void check_path_value(sec *c, const cur *cu, char *const *elts, size_t n,
                             const long *locs, long loc, bool function, const char *what)
{
    size_t bad;
    const char *why = path_problem(elts, n, function, &bad);
    if (!why)
        return;
    char *txt = path_text(elts, n);
    long where = locs && bad != (size_t)-1 && locs[bad] >= 0 ? locs[bad] : loc;
    /* pinned but unsafe, on a function that runs with its owner's rights: the
       gate's security-definer-search-path error, not a warning */
    report(c, cu, c->definer_clause ? RULE_SECURITY_DEFINER_SEARCH_PATH : RULE_UNSAFE_SEARCH_PATH,
           where, "unsafe search_path %s in %s: it %s", txt, what, why);
    free(txt);
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/*
 * A SET search_path (VariableSetStmt fields). Session SETs at the top level also
 * update the tracked search_path. Node locations are offsets from base in st->text
 * (0 for the statement's own tree, -1 when unknown: then fallback).
 */
static void check_variable_set(sec *c, const cur *cu, const cJSON *vs, bool function,
                               bool top_level, long base, long fallback, const char *what)
{
    const char *name = str_field(vs, PGF_name), *kind = str_field(vs, PGF_kind);
    if (!name || strcmp(name, "search_path") != 0 || !kind)
        return;
    if (strcmp(kind, "VAR_SET_VALUE") == 0) {
        char **elts = NULL;
        long *locs = NULL;
        size_t n = 0, cap = 0, lcap = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, field(vs, PGF_args)) {
            const char *v = const_string(a);
            if (!v) { /* not a string: give up on this value */
                free_strings(elts, n);
                free(locs);
                return;
            }
            GROW(elts, cap, n + 1);
            GROW(locs, lcap, n + 1);
            locs[n] = based(base, location_of(field(a, PGN_A_Const)), fallback);
            elts[n++] = xstrdup(v);
        }
        check_path_value(c, cu, elts, n, locs, fallback, function, what);
        if (top_level && !function) {
            path_clear(c);
            for (size_t i = 0; i < n; i++)
                path_add(c, elts[i]);
            c->path_known = true;
        }
        free_strings(elts, n);
        free(locs);
    } else if (strcmp(kind, "VAR_SET_CURRENT") == 0 && function) {
        if (c->path_known) {
            size_t bad;
            const char *why = path_problem(c->path, c->npath, true, &bad);
            if (why) {
                char *txt = path_text(c->path, c->npath);
                report(c, cu, RULE_UNSAFE_SEARCH_PATH, fallback,
                       "unsafe search_path %s in %s (SET search_path FROM CURRENT takes the "
                       "script's search_path here): it %s",
                       txt, what, why);
                free(txt);
            }
        }
    } else if (top_level && !function &&
               (strcmp(kind, "VAR_SET_DEFAULT") == 0 || strcmp(kind, "VAR_RESET") == 0 ||
                strcmp(kind, "VAR_RESET_ALL") == 0)) {
        path_default(c);
    }
}

/* set_config('search_path', 'value', ...) with a constant value. */
static void check_set_config(sec *c, const cur *cu, const cJSON *call, bool function,
                             bool top_level, long base, long fallback)
{
    const char *fn = list_last(field(call, PGF_funcname));
    const char *schema = list_schema(field(call, PGF_funcname));
    if (!fn || strcmp(fn, "set_config") != 0 || (schema && strcmp(schema, "pg_catalog") != 0))
        return;
    const cJSON *args = field(call, PGF_args);
    const char *setting = const_string(cJSON_GetArrayItem(args, 0));
    if (!setting || strcasecmp(setting, "search_path") != 0)
        return;
    const cJSON *val = cJSON_GetArrayItem(args, 1);
    const char *v = const_string(val);
    if (top_level)
        c->path_known = false; /* whether it is local or not: not worth replaying */
    if (!v)
        return;
    char **elts = NULL;
    size_t n = 0, cap = 0;
    split_path(v, &elts, &n, &cap);
    long loc = based(base, location_of(field(val, PGN_A_Const)), fallback);
    check_path_value(c, cu, elts, n, NULL, loc, function, "set_config()");
    free_strings(elts, n);
}

/* Every search_path setting anywhere in v. */
static void walk_settings(sec *c, const cur *cu, const cJSON *v, bool function,
                          bool top_level, long base, long fallback)
{
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, v) {
        if (ch->string && strcmp(ch->string, PGN_VariableSetStmt) == 0)
            check_variable_set(c, cu, ch, function, top_level, base, fallback,
                               function ? "a SET in a function body" : "SET");
        else if (ch->string && (strcmp(ch->string, PGF_setstmt) == 0))
            check_variable_set(c, cu, ch, function, false, base, fallback,
                               "ALTER ROLE or DATABASE ... SET");
        else if (ch->string && strcmp(ch->string, PGN_FuncCall) == 0)
            check_set_config(c, cu, ch, function, top_level, base, fallback);
        walk_settings(c, cu, ch, function, top_level, base, fallback);
    }
}

/* ------------------------------------------------------------------ bodies */

/* An unqualified name found in a body. */
typedef struct unqualified {
    char *name;
    bool function;
    long loc;               /* in st->text, or -1 */
} unqualified;

typedef struct body_walk {
    sec *c;
    const cur *cu;
    bool definer;           /* collect unqualified names */
    const char **ctes;      /* WITH names of the statement walked */
    size_t nctes, capctes;
    unqualified *found;
    size_t nfound, capfound;
    long base;              /* body offset in st->text of the body's SQL, or -1 */
    const char *text;       /* SQL being walked (for PL/pgSQL name search) */
    long line_start;        /* PL/pgSQL: st->text offset of the current line, or -1 */
} body_walk;

static void collect_ctes(body_walk *b, const cJSON *v)
{
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, v) {
        if (ch->string && strcmp(ch->string, PGF_ctename) == 0 && cJSON_IsString(ch)) {
            GROW(b->ctes, b->capctes, b->nctes + 1);
            b->ctes[b->nctes++] = ch->valuestring;
        }
        collect_ctes(b, ch);
    }
}

static bool is_cte(const body_walk *b, const char *name)
{
    for (size_t i = 0; i < b->nctes; i++)
        if (strcmp(b->ctes[i], name) == 0)
            return true;
    return false;
}

/* Where to point at name found at node location loc of the body's SQL. */
static long body_loc(const body_walk *b, long loc, const char *name)
{
    if (b->base >= 0 && loc >= 0)
        return b->base + loc;
    if (b->line_start >= 0) {
        /* PL/pgSQL: the statement's line; the name on or after it if it is there */
        const char *t = b->cu->st->text, *end = t + b->cu->raw_off + b->cu->raw_len;
        size_t len = strlen(name);
        for (const char *p = t + b->line_start; len && p + len <= end; p++)
            if (strncasecmp(p, name, len) == 0 &&
                (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
                !(isalnum((unsigned char)p[len]) || p[len] == '_'))
                return p - t;
        return b->line_start;
    }
    return -1;
}

static void found_name(body_walk *b, char *name, bool function, long loc)
{
    for (size_t i = 0; i < b->nfound; i++)
        if (b->found[i].function == function && strcmp(b->found[i].name, name) == 0) {
            free(name);
            return;
        }
    GROW(b->found, b->capfound, b->nfound + 1);
    b->found[b->nfound++] = (unqualified){name, function, body_loc(b, loc, name)};
}

static void check_rangevar(body_walk *b, const cJSON *rv)
{
    const char *rel = str_field(rv, PGF_relname);
    if (!rel || str_field(rv, PGF_schemaname) || is_cte(b, rel))
        return;
    if (strncmp(rel, "pg_", 3) == 0)
        return; /* a system catalog: pg_catalog is searched first */
    const char *persistence = str_field(rv, PGF_relpersistence);
    if (persistence && strcmp(persistence, "t") == 0)
        return; /* CREATE TEMP TABLE: it goes to pg_temp */
    found_name(b, xstrdup(rel), false, location_of(rv));
}

static void check_call(body_walk *b, const cJSON *call)
{
    const cJSON *names = field(call, PGF_funcname);
    if (cJSON_GetArraySize(names) != 1)
        return;
    const char *fn = list_last(names);
    if (!fn || catalog_function(fn))
        return;
    found_name(b, xstrdup(fn), true, location_of(call));
}

/* Unqualified names in one parsed statement of a body. */
static void walk_names(body_walk *b, const cJSON *v)
{
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    if (cJSON_IsObject(v) && cJSON_IsString(field(v, PGF_relname))) {
        check_rangevar(b, v); /* a typed RangeVar field: no wrapper */
        return;
    }
    const cJSON *ch;
    cJSON_ArrayForEach(ch, v) {
        if (ch->string && strcmp(ch->string, PGN_RangeVar) == 0) {
            check_rangevar(b, ch);
            continue;
        }
        if (ch->string && (strcmp(ch->string, PGN_FuncCall) == 0 ||
                           strcmp(ch->string, PGF_funccall) == 0))
            check_call(b, ch);
        walk_names(b, ch);
    }
}

/* One statement of a body: its names (SECURITY DEFINER) and its settings. */
static void body_statement(body_walk *b, const cJSON *stmt, bool function)
{
    if (b->definer) {
        size_t scope = b->nctes;
        collect_ctes(b, stmt);
        walk_names(b, stmt);
        b->nctes = scope;
    }
    walk_settings(b->c, b->cu, stmt, function, false, b->base,
                  b->line_start >= 0 ? b->line_start : at(b->cu, -1));
}

static void body_sql(body_walk *b, const char *sql, bool function)
{
    parsed_sql p = sql_parse(sql);
    for (size_t i = 0; i < p.nstmts; i++)
        body_statement(b, p.stmts[i], function);
    parsed_sql_free(&p);
}

/* A PL/pgSQL expression or statement: as SQL, else as a SELECT of it (analyze.c). */
static void plpgsql_expr(body_walk *b, const char *q, bool function)
{
    parsed_sql p = sql_parse(q);
    if (p.error) {
        parsed_sql_free(&p);
        const char *assign = strstr(q, ":=");
        char *sel = xasprintf("SELECT %s", assign ? assign + 2 : q);
        p = sql_parse(sel);
        free(sel);
    }
    for (size_t i = 0; i < p.nstmts; i++)
        body_statement(b, p.stmts[i], function);
    parsed_sql_free(&p);
}

static void plpgsql_tree(body_walk *b, const cJSON *v, long body_off, bool function)
{
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    const cJSON *lineno = field(v, PLPGSQL_LINENO);
    long saved = b->line_start;
    if (cJSON_IsObject(v) && cJSON_IsNumber(lineno) && body_off >= 0) {
        const char *t = b->cu->st->text;
        size_t end = b->cu->raw_off + b->cu->raw_len;
        size_t p = (size_t)body_off;
        for (int line = 1; line < (int)lineno->valuedouble && p < end; p++)
            if (t[p] == '\n')
                line++;
        b->line_start = (long)p;
    }
    const cJSON *ch;
    cJSON_ArrayForEach(ch, v) {
        if (ch->string && strcmp(ch->string, PLPGSQL_EXPR) == 0) {
            const char *q = str_field(ch, PLPGSQL_QUERY);
            if (q)
                plpgsql_expr(b, q, function);
            continue;
        }
        plpgsql_tree(b, ch, body_off, function);
    }
    b->line_start = saved;
}

/* Whether text contains word, ignoring case. */
static bool contains_ci(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return true;
    return false;
}

/* Where the body string starts in st->text (searched after the AS), or -1. */
static long body_offset(const cur *cu, const cJSON *as, const char *body)
{
    long loc = location_of(as);
    size_t end = cu->raw_off + cu->raw_len;
    if (loc < 0 || !body || !*body || (size_t)loc > end)
        return -1;
    const char *hit = strstr(cu->st->text + loc, body);
    if (!hit || (size_t)(hit - cu->st->text) + strlen(body) > end)
        return -1;
    return (long)(hit - cu->st->text);
}

/*
 * Walks a function's or DO block's body (opts: its options or args). Returns the
 * unqualified names found (definer) in *b.
 */
static void walk_body(body_walk *b, const cJSON *f, const cJSON *opts, const char *dflt_lang,
                      bool function)
{
    const cJSON *sql_body = field(f, PGF_sql_body);
    if (sql_body) { /* BEGIN ATOMIC or RETURN: in this tree, located */
        b->base = 0;
        body_statement(b, sql_body, function);
        return;
    }
    const cJSON *lang_d = defelem(opts, "language");
    const char *lang = lang_d ? string_node(field(lang_d, PGF_arg)) : dflt_lang;
    const cJSON *as = defelem(opts, "as");
    const cJSON *arg = field(as, PGF_arg);
    const cJSON *items = field(field(arg, PGN_List), PGF_items);
    const char *body = string_node(items ? cJSON_GetArrayItem(items, 0) : arg);
    if (!lang || !body)
        return;
    long off = body_offset(b->cu, as, body);
    if (strcasecmp(lang, "sql") == 0) {
        b->base = off;
        b->line_start = off < 0 ? at(b->cu, location_of(as)) : -1;
        body_sql(b, body, function);
    } else if (strcasecmp(lang, "plpgsql") == 0 &&
               (b->definer || contains_ci(body, "search_path"))) {
        /* Only when there is something to find: libpg_query 15-4.0.0 leaks a few
           bytes in pg_query_parse_plpgsql when SQL in the body does not parse (see
           tests/lsan.supp), so bodies are not parsed for nothing. */
        b->base = -1;
        b->line_start = off >= 0 ? off : -1;
        char *sql = xstrndup(b->cu->st->text + b->cu->raw_off, b->cu->raw_len);
        PgQueryPlpgsqlParseResult r = pg_query_parse_plpgsql(sql);
        free(sql);
        if (!r.error) {
            cJSON *tree = cJSON_Parse(r.plpgsql_funcs);
            plpgsql_tree(b, tree, off, function);
            cJSON_Delete(tree);
        }
        pg_query_free_plpgsql_parse_result(r);
    }
}

static void body_walk_free(body_walk *b)
{
    for (size_t i = 0; i < b->nfound; i++)
        free(b->found[i].name);
    free(b->found);
    free(b->ctes);
}

/* ------------------------------------------------------------------ statements */

static const char *object_kind_word(const char *objtype)
{
    static const struct {
        const char *objtype, *word;
    } words[] = {{"OBJECT_AGGREGATE", "AGGREGATE"}, {"OBJECT_COLLATION", "COLLATION"},
                 {"OBJECT_OPERATOR", "OPERATOR"},   {"OBJECT_TYPE", "TYPE"},
                 {"OBJECT_TSPARSER", "TEXT SEARCH PARSER"},
                 {"OBJECT_TSDICTIONARY", "TEXT SEARCH DICTIONARY"},
                 {"OBJECT_TSTEMPLATE", "TEXT SEARCH TEMPLATE"},
                 {"OBJECT_TSCONFIGURATION", "TEXT SEARCH CONFIGURATION"}};
    for (size_t i = 0; objtype && i < ARRAY_SIZE(words); i++)
        if (strcmp(words[i].objtype, objtype) == 0)
            return words[i].word;
    return "object";
}

/*
 * create-or-replace-foreign for one object: what (e.g. "CREATE OR REPLACE
 * FUNCTION"), its name as written, its schema (NULL: unqualified).
 */
static void foreign_object(sec *c, const cur *cu, long loc, bool replace, const char *what,
                           const char *name, const char *schema)
{
    if (schema && (schema_created(c, schema) || strcmp(schema, "pg_temp") == 0))
        return;
    const char *consequence =
        replace ? "one someone else created there first is replaced but keeps its owner, "
                  "who can change it later"
                : "one someone else created there first is silently kept";
    if (schema)
        report(c, cu, RULE_CREATE_OR_REPLACE_FOREIGN, loc,
               "%s %s: schema %s was not created by this script; %s", what, name, schema,
               consequence);
    else
        report(c, cu, RULE_CREATE_OR_REPLACE_FOREIGN, loc,
               "%s %s: unqualified, so search_path picks a schema this script did not "
               "create; %s",
               what, name, consequence);
}

/* An IF NOT EXISTS or OR REPLACE on a relation (RangeVar), temporary ones aside. */
static void foreign_relation(sec *c, const cur *cu, bool replace, const char *what,
                             const cJSON *rv, const char *name)
{
    const char *persistence = str_field(rv, PGF_relpersistence);
    if (!rv || (persistence && strcmp(persistence, "t") == 0))
        return;
    char *full = name ? xstrdup(name) : rangevar_name(rv);
    foreign_object(c, cu, at(cu, location_of(rv)), replace, what, full,
                   str_field(rv, PGF_schemaname));
    free(full);
}

static void foreign_list(sec *c, const cur *cu, bool replace, const char *what,
                         const cJSON *names)
{
    char *full = joined_name(names);
    foreign_object(c, cu, at(cu, -1), replace, what, full, list_schema(names));
    free(full);
}

static bool pinned_later(const sec *c, const cJSON *funcname)
{
    const char *schema = list_schema(funcname), *name = list_last(funcname);
    for (size_t i = 0; name && i < c->npinned; i++) {
        const char *s2 = list_schema(c->pinned_later[i]), *n2 = list_last(c->pinned_later[i]);
        if (n2 && strcmp(n2, name) == 0 && (!schema || !s2 || strcmp(schema, s2) == 0))
            return true;
    }
    return false;
}

static void check_function(sec *c, const cur *cu, const cJSON *f)
{
    const cJSON *opts = field(f, PGF_options);
    const cJSON *funcname = field(f, PGF_funcname);
    bool procedure = true_field(f, PGF_is_procedure);
    const char *word = procedure ? "procedure" : "function";
    char *name = joined_name(funcname);
    const cJSON *lang_d = defelem(opts, "language");
    const char *lang = lang_d ? string_node(field(lang_d, PGF_arg)) : "sql";
    bool native = lang && (strcasecmp(lang, "c") == 0 || strcasecmp(lang, "internal") == 0);

    /* a SECURITY DEFINER function without one is the error security-definer-search-path
       already: one finding, not two */
    if (!native && !pins_search_path(opts) && !pinned_later(c, funcname) &&
        !is_security_definer(opts))
        report(c, cu, RULE_FUNCTION_SEARCH_PATH, at(cu, -1),
               "%s %s has no SET search_path: the names in its body resolve through the "
               "search_path of each caller",
               word, name);

    if (true_field(f, PGF_replace)) {
        char *what = xasprintf("CREATE OR REPLACE %s", procedure ? "PROCEDURE" : "FUNCTION");
        foreign_object(c, cu, at(cu, -1), true, what, name, list_schema(funcname));
        free(what);
    }

    /* its SET clause (function context), then its body */
    const cJSON *vs = search_path_setting(opts);
    if (vs) {
        long loc = -1;
        const cJSON *o;
        cJSON_ArrayForEach(o, opts) {
            const cJSON *d = field(o, PGN_DefElem);
            if (field(field(d, PGF_arg), PGN_VariableSetStmt) == vs)
                loc = location_of(d);
        }
        char *what = xasprintf("%s %s", word, name);
        c->definer_clause = is_security_definer(opts);
        check_variable_set(c, cu, vs, true, false, 0, at(cu, loc), what);
        c->definer_clause = false;
        free(what);
    }

    body_walk b = {.c = c, .cu = cu, .definer = is_security_definer(opts), .base = -1,
                   .line_start = -1};
    walk_body(&b, f, opts, NULL, true);
    for (size_t i = 0; i < b.nfound && i < MAX_UNQUALIFIED_REPORTS; i++) {
        const unqualified *u = &b.found[i];
        char *more = i + 1 == MAX_UNQUALIFIED_REPORTS && b.nfound > MAX_UNQUALIFIED_REPORTS
                         ? xasprintf(" (and %zu more unqualified names)",
                                     b.nfound - MAX_UNQUALIFIED_REPORTS)
                         : xstrdup("");
        report(c, cu, RULE_UNQUALIFIED_IN_SECURITY_DEFINER, u->loc >= 0 ? u->loc : at(cu, -1),
               "SECURITY DEFINER %s %s uses %s %s%s without a schema: an object of that "
               "name earlier on the search_path runs or is read with the owner's "
               "privileges; qualify it%s",
               word, name, u->function ? "function" : "relation", u->name,
               u->function ? "()" : "", more);
        free(more);
    }
    body_walk_free(&b);
    free(name);
}

static bool roles_include_public(const cJSON *roles)
{
    if (!roles)
        return true; /* no TO: PUBLIC */
    const cJSON *r;
    cJSON_ArrayForEach(r, roles) {
        const char *rt = str_field(field(r, PGN_RoleSpec), PGF_roletype);
        if (rt && strcmp(rt, "ROLESPEC_PUBLIC") == 0)
            return true;
    }
    return false;
}

static const cJSON *true_const(const cJSON *expr)
{
    const cJSON *ac = field(expr, PGN_A_Const);
    return cJSON_IsTrue(field(field(ac, PGF_boolval), PGF_boolval)) ? ac : NULL;
}

static void check_policy(sec *c, const cur *cu, const cJSON *f, bool create)
{
    /* RESTRICTIVE (permissive absent: false): a true one restricts nothing, and
       grants nothing either */
    if (create && !true_field(f, PGF_permissive))
        return;
    const cJSON *roles = field(f, PGF_roles);
    bool for_public;
    table_name t = table_of(field(f, PGF_table));
    const char *pname = str_field(f, PGF_policy_name);
    if (create || roles) {
        for_public = roles_include_public(roles);
    } else { /* ALTER POLICY without TO: the roles it was created with, if known */
        for_public = true;
        for (size_t i = 0; pname && i < c->npolicies; i++)
            if (strcmp(c->policies[i].name, pname) == 0 && same_table(c->policies[i].table, t))
                for_public = c->policies[i].for_public;
    }
    if (!for_public)
        return;
    char *tn = rangevar_name(field(f, PGF_table));
    const cJSON *q = true_const(field(f, PGF_qual)), *w = true_const(field(f, PGF_with_check));
    if (q || w)
        report(c, cu, RULE_POLICY_ALWAYS_TRUE, at(cu, location_of(q ? q : w)),
               "policy %s on %s is %s (true) for PUBLIC: every role sees%s every row",
               pname ? pname : "?", tn, q ? "USING" : "WITH CHECK",
               q && w ? " and writes" : q ? "" : " (writes)");
    free(tn);
}

static void check_alter_table(sec *c, const cur *cu, const cJSON *f)
{
    const char *objtype = str_field(f, PGF_objtype);
    if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0)
        return;
    const cJSON *rv = field(f, PGF_relation);
    table_name t = table_of(rv);
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, field(f, PGF_cmds)) {
        const char *sub = str_field(field(cmd, PGN_AlterTableCmd), PGF_subtype);
        if (!sub || strcmp(sub, "AT_EnableRowSecurity") != 0)
            continue;
        bool has = false;
        for (size_t i = 0; i < c->npolicy_tables && !has; i++)
            has = same_table(c->policy_tables[i], t);
        if (!has) {
            char *tn = rangevar_name(rv);
            report(c, cu, RULE_RLS_WITHOUT_POLICY, at(cu, location_of(rv)),
                   "row-level security is enabled on %s but this script creates no policy on "
                   "it: roles other than its owner see no rows",
                   tn);
            free(tn);
        }
    }
}

static void check_extension(sec *c, const cur *cu, const cJSON *f)
{
    const char *ext = str_field(f, PGF_extname);
    const cJSON *d = defelem(field(f, PGF_options), "schema");
    const char *schema = d ? string_node(field(d, PGF_arg)) : NULL;
    if (!schema)
        report(c, cu, RULE_EXTENSION_IN_PUBLIC, at(cu, -1),
               "extension %s is created without WITH SCHEMA: it lands in the first schema of "
               "search_path, usually public",
               ext ? ext : "?");
    else if (strcmp(schema, "public") == 0)
        report(c, cu, RULE_EXTENSION_IN_PUBLIC, at(cu, location_of(d)),
               "extension %s is created in schema public: every role can call its functions, "
               "and whoever can create objects there can shadow them",
               ext ? ext : "?");
    if (true_field(f, PGF_if_not_exists))
        foreign_object(c, cu, at(cu, -1), false, "CREATE EXTENSION IF NOT EXISTS",
                       ext ? ext : "?", schema);
}

static void check_schema(sec *c, const cur *cu, const cJSON *f)
{
    const char *name = str_field(f, PGF_schemaname);
    if (!name)
        name = str_field(field(f, PGF_authrole), PGF_rolename);
    if (!name)
        return;
    if (!true_field(f, PGF_if_not_exists)) {
        GROW(c->schemas, c->capschemas, c->nschemas + 1);
        c->schemas[c->nschemas++] = name;
    } else if (!schema_created(c, name)) {
        report(c, cu, RULE_CREATE_OR_REPLACE_FOREIGN, at(cu, -1),
               "CREATE SCHEMA IF NOT EXISTS %s: a schema someone else created first is "
               "silently kept, with its owner and privileges",
               name);
    }
}

static void check_statement(sec *c, const cur *cu, const char *kind, const cJSON *f)
{
    bool function_stmt = strcmp(kind, PGN_CreateFunctionStmt) == 0;
    if (function_stmt) {
        check_function(c, cu, f);
    } else if (strcmp(kind, PGN_AlterFunctionStmt) == 0) {
        /* ALTER FUNCTION ... SET search_path: a function's clause */
        char *fname = joined_name(field(field(f, PGF_func), PGF_objname));
        const cJSON *o;
        cJSON_ArrayForEach(o, field(f, PGF_actions)) {
            const cJSON *d = field(o, PGN_DefElem);
            const cJSON *vs = field(field(d, PGF_arg), PGN_VariableSetStmt);
            if (vs) {
                char *what = xasprintf("ALTER FUNCTION %s", fname);
                check_variable_set(c, cu, vs, true, false, 0, at(cu, location_of(d)), what);
                free(what);
            }
        }
        free(fname);
    } else if (strcmp(kind, PGN_DoStmt) == 0) {
        body_walk b = {.c = c, .cu = cu, .base = -1, .line_start = -1};
        walk_body(&b, f, field(f, PGF_args), "plpgsql", false);
        body_walk_free(&b);
    } else {
        walk_settings(c, cu, f, false, true, 0, at(cu, -1));
        if (strcmp(kind, PGN_VariableSetStmt) == 0)
            check_variable_set(c, cu, f, false, true, 0, at(cu, -1), "SET");
    }

    bool replace = true_field(f, PGF_replace), ine = true_field(f, PGF_if_not_exists);
    if (strcmp(kind, PGN_ViewStmt) == 0 && replace) {
        foreign_relation(c, cu, true, "CREATE OR REPLACE VIEW", field(f, PGF_view), NULL);
    } else if (strcmp(kind, PGN_CreateTrigStmt) == 0 && replace) {
        const char *tg = str_field(f, PGF_trigname);
        char *tn = rangevar_name(field(f, PGF_relation));
        char *name = xasprintf("%s ON %s", tg ? tg : "?", tn);
        foreign_relation(c, cu, true, "CREATE OR REPLACE TRIGGER", field(f, PGF_relation), name);
        free(name);
        free(tn);
    } else if (strcmp(kind, PGN_RuleStmt) == 0 && replace) {
        const char *rn = str_field(f, PGF_rulename);
        char *tn = rangevar_name(field(f, PGF_relation));
        char *name = xasprintf("%s ON %s", rn ? rn : "?", tn);
        foreign_relation(c, cu, true, "CREATE OR REPLACE RULE", field(f, PGF_relation), name);
        free(name);
        free(tn);
    } else if (strcmp(kind, PGN_DefineStmt) == 0 && (replace || ine)) {
        char *what = xasprintf(replace ? "CREATE OR REPLACE %s" : "CREATE %s IF NOT EXISTS",
                               object_kind_word(str_field(f, PGF_kind)));
        foreign_list(c, cu, replace, what, field(f, PGF_defnames));
        free(what);
    } else if (strcmp(kind, PGN_CreateStmt) == 0 && ine) {
        foreign_relation(c, cu, false, "CREATE TABLE IF NOT EXISTS", field(f, PGF_relation), NULL);
    } else if (strcmp(kind, PGN_CreateForeignTableStmt) == 0 &&
               true_field(field(f, PGF_base), PGF_if_not_exists)) {
        foreign_relation(c, cu, false, "CREATE FOREIGN TABLE IF NOT EXISTS",
                         field(field(f, PGF_base), PGF_relation), NULL);
    } else if (strcmp(kind, PGN_IndexStmt) == 0 && ine) {
        /* an index lives in its table's schema */
        const char *idx = str_field(f, PGF_idxname);
        char *tn = rangevar_name(field(f, PGF_relation));
        char *name = xasprintf("%s ON %s", idx ? idx : "?", tn);
        foreign_relation(c, cu, false, "CREATE INDEX IF NOT EXISTS", field(f, PGF_relation), name);
        free(name);
        free(tn);
    } else if (strcmp(kind, PGN_CreateSeqStmt) == 0 && ine) {
        foreign_relation(c, cu, false, "CREATE SEQUENCE IF NOT EXISTS", field(f, PGF_sequence),
                         NULL);
    } else if (strcmp(kind, PGN_CreateTableAsStmt) == 0 && ine) {
        const char *objtype = str_field(f, PGF_objtype);
        foreign_relation(c, cu, false,
                         objtype && strcmp(objtype, "OBJECT_MATVIEW") == 0
                             ? "CREATE MATERIALIZED VIEW IF NOT EXISTS"
                             : "CREATE TABLE IF NOT EXISTS",
                         field(field(f, PGF_into), PGF_rel), NULL);
    } else if (strcmp(kind, PGN_CreateStatsStmt) == 0 && ine) {
        const cJSON *names = field(f, PGF_defnames);
        /* statistics named without a schema go to their table's schema */
        if (list_schema(names)) {
            foreign_list(c, cu, false, "CREATE STATISTICS IF NOT EXISTS", names);
        } else {
            const cJSON *rv = field(cJSON_GetArrayItem(field(f, PGF_relations), 0), PGN_RangeVar);
            char *sn = joined_name(names);
            foreign_relation(c, cu, false, "CREATE STATISTICS IF NOT EXISTS", rv, sn);
            free(sn);
        }
    } else if (strcmp(kind, PGN_CreateSchemaStmt) == 0) {
        check_schema(c, cu, f);
    } else if (strcmp(kind, PGN_CreateExtensionStmt) == 0) {
        check_extension(c, cu, f);
    } else if (strcmp(kind, PGN_CreatePolicyStmt) == 0) {
        check_policy(c, cu, f, true);
    } else if (strcmp(kind, PGN_AlterPolicyStmt) == 0) {
        check_policy(c, cu, f, false);
    } else if (strcmp(kind, PGN_AlterTableStmt) == 0) {
        check_alter_table(c, cu, f);
    } else if (strcmp(kind, PGN_DiscardStmt) == 0) {
        const char *target = str_field(f, PGF_target);
        if (target && strcmp(target, "DISCARD_ALL") == 0)
            path_default(c);
    }
}

/* First pass: what the whole script does, whatever the order. */
static void survey(sec *c, const char *kind, const cJSON *f)
{
    if (strcmp(kind, PGN_CreatePolicyStmt) == 0) {
        table_name t = table_of(field(f, PGF_table));
        GROW(c->policy_tables, c->cappolicy_tables, c->npolicy_tables + 1);
        c->policy_tables[c->npolicy_tables++] = t;
        const char *name = str_field(f, PGF_policy_name);
        if (name) {
            GROW(c->policies, c->cappolicies, c->npolicies + 1);
            c->policies[c->npolicies++] =
                (created_policy){t, name, roles_include_public(field(f, PGF_roles))};
        }
    } else if (strcmp(kind, PGN_AlterFunctionStmt) == 0) {
        if (pins_search_path(field(f, PGF_actions))) {
            GROW(c->pinned_later, c->cappinned, c->npinned + 1);
            c->pinned_later[c->npinned++] = field(field(f, PGF_func), PGF_objname);
        }
    }
}

/* The slice of st->text that raw statement i is. */
static cur raw_slice(const statement *st, int i)
{
    size_t loc, len;
    sql_stmt_span(&st->parse, st->text_len, (size_t)i, &loc, &len);
    return (cur){.st = st, .raw_off = loc, .raw_len = len};
}

void security_check_script(const lint_config *cfg, script *s)
{
    sec c = {.cfg = cfg, .s = s};
    path_default(&c);
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        for (size_t k = 0; k < st->parse.nstmts; k++) {
            const char *kind = sql_node_kind(st->parse.stmts[k]);
            if (kind)
                survey(&c, kind, sql_node_fields(st->parse.stmts[k]));
        }
    }
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        for (size_t k = 0; k < st->parse.nstmts; k++) {
            const char *kind = sql_node_kind(st->parse.stmts[k]);
            if (!kind)
                continue;
            cur cu = raw_slice(st, (int)k);
            check_statement(&c, &cu, kind, sql_node_fields(st->parse.stmts[k]));
        }
    }
    path_clear(&c);
    free(c.path);
    free(c.schemas);
    free(c.policy_tables);
    free(c.policies);
    free(c.pinned_later);
}
