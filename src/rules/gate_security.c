/*
 * gate_security.c: the gate's rules that read statements directly rather than
 * through stmt_facts: row-level security on sensitive tables, SECURITY DEFINER
 * functions without a pinned search_path, and grants to PUBLIC.
 *
 *   rls-required                  a sensitive table created by the script without
 *                                 ENABLE ROW LEVEL SECURITY and a CREATE POLICY later
 *                                 in the same script; DISABLE or NO FORCE ROW LEVEL
 *                                 SECURITY, or DROP POLICY, on a sensitive table;
 *                                 granting BYPASSRLS
 *   security-definer-search-path  CREATE/ALTER FUNCTION ... SECURITY DEFINER without
 *                                 SET search_path
 *   grant-to-public               GRANT ... TO PUBLIC
 * They apply to every role. Sensitive means: the qualified table name matches a
 * `sensitive table pattern`, or a column created with it matches a `sensitive
 * column pattern`.
 */
#include "rules/gate_security.h"

#include <stdlib.h>
#include <string.h>

#include "rules/gate.h"
#include "parse/pgnode.h"

typedef struct created_table {
    char *qualified;
    const statement *st;  /* where it was created */
    long location;
    bool rls_enabled;
    bool has_policy;
} created_table;

typedef struct rls_state {
    created_table *tables;
    size_t n, cap;
} rls_state;

/* "schema.table" of a RangeVar, resolved with the default schema when unqualified. */
static char *qualified_name(const cJSON *rv)
{
    const char *schema = str_field(rv, PGF_schemaname), *rel = str_field(rv, PGF_relname);
    return rel ? xasprintf("%s.%s", schema ? schema : "public", rel) : NULL;
}

static created_table *find_created(rls_state *rs, const char *q)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->tables[i].qualified, q) == 0)
            return &rs->tables[i];
    return NULL;
}

static bool is_sensitive(const policy *p, rls_state *rs, const char *q)
{
    return (p && policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, q)) ||
           find_created(rs, q);
}

#define report(g, st, rule, loc, ...) gate_report((g)->p, (g)->s, st, rule, loc, __VA_ARGS__)

static bool sensitive_column(const gate_ctx *g, const char *col)
{
    return col && g->p &&
           policy_patterns_match(g->p->sensitive_columns, g->p->nsensitive_columns, col);
}

/* Remembers a table the script creates (q is taken) when it is sensitive. */
static void remember_created(rls_state *rs, char *q, bool sensitive, const statement *st,
                             const cJSON *rv)
{
    if (!sensitive || find_created(rs, q)) {
        free(q);
        return;
    }
    GROW(rs->tables, rs->cap, rs->n + 1);
    rs->tables[rs->n++] = (created_table){.qualified = q, .st = st, .location = location_of(rv)};
}

static void check_create(const gate_ctx *g, rls_state *rs, const statement *st, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    char *q = qualified_name(rv);
    if (!q)
        return;
    bool sensitive =
        g->p && policy_patterns_match(g->p->sensitive_tables, g->p->nsensitive_tables, q);
    const cJSON *elt;
    cJSON_ArrayForEach(elt, field(f, PGF_tableElts))
        sensitive |= sensitive_column(g, str_field(field(elt, PGN_ColumnDef), PGF_colname));
    remember_created(rs, q, sensitive, st, rv);
}

/* The name a SELECT's output column gets: its alias, or the column it names. */
static const char *output_name(const cJSON *res_target)
{
    const cJSON *rt = field(res_target, PGN_ResTarget);
    const char *name = str_field(rt, PGF_name);
    if (name)
        return name;
    const cJSON *fields = field(field(field(rt, PGF_val), PGN_ColumnRef), PGF_fields);
    const cJSON *last = cJSON_GetArrayItem(fields, cJSON_GetArraySize(fields) - 1);
    return str_field(field(last, PGN_String), PGF_sval);
}

/* CREATE TABLE AS and SELECT INTO create tables too: by name or by a column. */
static void check_create_as(const gate_ctx *g, rls_state *rs, const statement *st,
                            const cJSON *rv, const cJSON *into, const cJSON *select)
{
    char *q = qualified_name(rv);
    if (!q)
        return;
    bool sensitive =
        g->p && policy_patterns_match(g->p->sensitive_tables, g->p->nsensitive_tables, q);
    const cJSON *c;
    cJSON_ArrayForEach(c, field(into, PGF_colNames))
        sensitive |= sensitive_column(g, str_field(field(c, PGN_String), PGF_sval));
    cJSON_ArrayForEach(c, field(select, PGF_targetList))
        sensitive |= sensitive_column(g, output_name(c));
    remember_created(rs, q, sensitive, st, rv);
}

static void check_alter_table(const gate_ctx *g, rls_state *rs, const statement *st,
                              const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    char *q = qualified_name(rv);
    if (!q)
        return;
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, field(f, PGF_cmds)) {
        const char *sub = str_field(field(cmd, PGN_AlterTableCmd), PGF_subtype);
        if (!sub)
            continue;
        if (strcmp(sub, "AT_EnableRowSecurity") == 0 || strcmp(sub, "AT_ForceRowSecurity") == 0) {
            created_table *t = find_created(rs, q);
            if (t && strcmp(sub, "AT_EnableRowSecurity") == 0)
                t->rls_enabled = true;
        } else if ((strcmp(sub, "AT_DisableRowSecurity") == 0 ||
                    strcmp(sub, "AT_NoForceRowSecurity") == 0) &&
                   is_sensitive(g->p, rs, q)) {
            report(g, st, RULE_RLS_REQUIRED, location_of(rv),
                   "%s row-level security on sensitive table %s",
                   strcmp(sub, "AT_DisableRowSecurity") == 0 ? "disables" : "stops forcing", q);
        }
    }
    free(q);
}

static bool defelem_true(const cJSON *opts, const char *name)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *n = str_field(d, PGF_defname);
        if (n && strcmp(n, name) == 0) {
            const cJSON *b = field(field(field(d, PGF_arg), PGN_Boolean), PGF_boolval);
            return cJSON_IsTrue(b);
        }
    }
    return false;
}

static bool sets_search_path(const cJSON *opts)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *n = str_field(d, PGF_defname);
        const char *var = str_field(field(field(d, PGF_arg), PGN_VariableSetStmt), PGF_name);
        const char *kind = str_field(field(field(d, PGF_arg), PGN_VariableSetStmt), PGF_kind);
        if (n && strcmp(n, "set") == 0 && var && strcmp(var, "search_path") == 0 && kind &&
            strcmp(kind, "VAR_SET_VALUE") == 0)
            return true;
    }
    return false;
}

static void check_statement(const gate_ctx *g, rls_state *rs, const statement *st,
                            const char *kind, const cJSON *f)
{
    if (strcmp(kind, PGN_CreateStmt) == 0) {
        check_create(g, rs, st, f);
    } else if (strcmp(kind, PGN_CreateTableAsStmt) == 0) {
        check_create_as(g, rs, st, field(field(f, PGF_into), PGF_rel), field(f, PGF_into),
                        field(field(f, PGF_query), PGN_SelectStmt));
    } else if (strcmp(kind, PGN_SelectStmt) == 0 && field(f, PGF_intoClause)) {
        const cJSON *into = field(f, PGF_intoClause);
        check_create_as(g, rs, st, field(into, PGF_rel), into, f);
    } else if (strcmp(kind, PGN_AlterDefaultPrivilegesStmt) == 0) {
        check_statement(g, rs, st, PGN_GrantStmt, field(f, PGF_action));
    } else if (strcmp(kind, PGN_AlterTableStmt) == 0) {
        check_alter_table(g, rs, st, f);
    } else if (strcmp(kind, PGN_CreatePolicyStmt) == 0) {
        char *q = qualified_name(field(f, PGF_table));
        created_table *t = q ? find_created(rs, q) : NULL;
        if (t)
            t->has_policy = true;
        free(q);
    } else if (strcmp(kind, PGN_DropStmt) == 0) {
        const char *type = str_field(f, PGF_removeType);
        if (!type || strcmp(type, "OBJECT_POLICY") != 0)
            return;
        const cJSON *o;
        cJSON_ArrayForEach(o, field(f, PGF_objects)) {
            const cJSON *items = field(field(o, PGN_List), PGF_items);
            int n = cJSON_GetArraySize(items);
            if (n < 2)
                continue;
            const char *table = str_field(field(cJSON_GetArrayItem(items, n - 2), PGN_String), PGF_sval);
            const char *schema = n >= 3 ? str_field(field(cJSON_GetArrayItem(items, n - 3), PGN_String), PGF_sval) : "public";
            char *q = xasprintf("%s.%s", schema ? schema : "public", table ? table : "");
            if (is_sensitive(g->p, rs, q))
                report(g, st, RULE_RLS_REQUIRED, -1, "drops a policy of sensitive table %s", q);
            free(q);
        }
    } else if (strcmp(kind, PGN_AlterRoleStmt) == 0 || strcmp(kind, PGN_CreateRoleStmt) == 0) {
        if (defelem_true(field(f, PGF_options), "bypassrls"))
            report(g, st, RULE_RLS_REQUIRED, -1,
                   "grants BYPASSRLS, which skips every row-level security policy");
    } else if (strcmp(kind, PGN_CreateFunctionStmt) == 0) {
        if (defelem_true(field(f, PGF_options), "security") && !sets_search_path(field(f, PGF_options)))
            report(g, st, RULE_SECURITY_DEFINER_SEARCH_PATH, -1,
                   "SECURITY DEFINER function without SET search_path: callers can "
                   "shadow the objects it uses");
    } else if (strcmp(kind, PGN_AlterFunctionStmt) == 0) {
        if (defelem_true(field(f, PGF_actions), "security") && !sets_search_path(field(f, PGF_actions)))
            report(g, st, RULE_SECURITY_DEFINER_SEARCH_PATH, -1,
                   "makes a function SECURITY DEFINER without SET search_path in the same "
                   "statement");
    } else if (strcmp(kind, PGN_GrantStmt) == 0) {
        if (!cJSON_IsTrue(field(f, PGF_is_grant)))
            return;
        const cJSON *r;
        cJSON_ArrayForEach(r, field(f, PGF_grantees)) {
            const char *rt = str_field(field(r, PGN_RoleSpec), PGF_roletype);
            if (rt && strcmp(rt, "ROLESPEC_PUBLIC") == 0)
                report(g, st, RULE_GRANT_TO_PUBLIC, location_of(field(r, PGN_RoleSpec)),
                       "grants to PUBLIC: every role, present and future, gets it");
        }
    }
}

void gate_check_security(const gate_ctx *g)
{
    rls_state rs = {0};
    for (size_t i = 0; i < g->s->nstmts; i++) {
        const statement *st = &g->s->stmts[i];
        for (size_t k = 0; k < st->parse.nstmts; k++) {
            const char *kind = sql_node_kind(st->parse.stmts[k]);
            if (kind)
                check_statement(g, &rs, st, kind, sql_node_fields(st->parse.stmts[k]));
        }
    }
    for (size_t i = 0; i < rs.n; i++) {
        created_table *t = &rs.tables[i];
        if (!t->rls_enabled || !t->has_policy)
            report(g, t->st, RULE_RLS_REQUIRED, t->location,
                   "sensitive table %s is created without %s later in this script",
                   t->qualified,
                   !t->rls_enabled && !t->has_policy ? "ENABLE ROW LEVEL SECURITY and a CREATE POLICY"
                   : !t->rls_enabled                 ? "ENABLE ROW LEVEL SECURITY"
                                                     : "a CREATE POLICY");
        free(t->qualified);
    }
    free(rs.tables);
}
