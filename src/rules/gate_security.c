/*
 * gate_security.c: the gate's rules about row-level security, SECURITY DEFINER
 * functions and grants to PUBLIC, for every role (and without a policy):
 *
 *   rls-required                  a sensitive table created by the script without
 *                                 ENABLE ROW LEVEL SECURITY and a CREATE POLICY later
 *                                 in the same script; DISABLE or NO FORCE ROW LEVEL
 *                                 SECURITY, or DROP POLICY, on a sensitive table;
 *                                 granting BYPASSRLS
 *   security-definer-search-path  CREATE/ALTER FUNCTION ... SECURITY DEFINER without
 *                                 SET search_path
 *   grant-to-public               GRANT ... TO PUBLIC
 * Sensitive means: the qualified table name matches a `sensitive table pattern`, or a
 * column created with it matches a `sensitive column pattern`. Whether a created
 * table got its RLS and policy is known at the end of the script: its finding is
 * made when the table is created and kept then or dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/checks.h"

typedef struct created_table {
    char *qualified;
    bool rls_enabled;
    bool has_policy;
    size_t finding;        /* its rls-required finding in pending (SIZE_MAX: none) */
} created_table;

typedef struct rls_state {
    created_table *tables;
    size_t n, cap;
    finding_list pending;
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

static bool sensitive_column(const lint_ctx *c, const char *col)
{
    const policy *p = c->cfg->policy;
    return col && p && policy_patterns_match(p->sensitive_columns, p->nsensitive_columns, col);
}

/* Remembers a table the script creates (q is taken) when it is sensitive. */
static void remember_created(lint_ctx *c, rls_state *rs, char *q, bool sensitive,
                             const cJSON *rv)
{
    if (!sensitive || find_created(rs, q)) {
        free(q);
        return;
    }
    GROW(rs->tables, rs->cap, rs->n + 1);
    created_table *t = &rs->tables[rs->n++];
    *t = (created_table){.qualified = q, .finding = SIZE_MAX};
    size_t before = rs->pending.count;
    /* the message says what is missing, known at the end */
    lint_report_to(c, &rs->pending, RULE_RLS_REQUIRED, location_of(rv), "%s", q);
    if (rs->pending.count > before)
        t->finding = before;
}

static void check_create(lint_ctx *c, rls_state *rs, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    char *q = qualified_name(rv);
    if (!q)
        return;
    const policy *p = c->cfg->policy;
    bool sensitive = p && policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, q);
    const cJSON *elt;
    cJSON_ArrayForEach(elt, field(f, PGF_tableElts))
        sensitive |= sensitive_column(c, str_field(field(elt, PGN_ColumnDef), PGF_colname));
    remember_created(c, rs, q, sensitive, rv);
}

/* The name a SELECT's output column gets: its alias, or the column it names. */
static const char *output_name(const cJSON *res_target)
{
    const cJSON *rt = field(res_target, PGN_ResTarget);
    const char *name = str_field(rt, PGF_name);
    if (name)
        return name;
    const cJSON *fields = field(field(field(rt, PGF_val), PGN_ColumnRef), PGF_fields);
    return string_node(cJSON_GetArrayItem(fields, cJSON_GetArraySize(fields) - 1));
}

/* CREATE TABLE AS and SELECT INTO create tables too: by name or by a column. */
static void check_create_as(lint_ctx *c, rls_state *rs, const cJSON *rv, const cJSON *into,
                            const cJSON *select)
{
    char *q = qualified_name(rv);
    if (!q)
        return;
    const policy *p = c->cfg->policy;
    bool sensitive = p && policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, q);
    const cJSON *col;
    cJSON_ArrayForEach(col, field(into, PGF_colNames))
        sensitive |= sensitive_column(c, string_node(col));
    cJSON_ArrayForEach(col, field(select, PGF_targetList))
        sensitive |= sensitive_column(c, output_name(col));
    remember_created(c, rs, q, sensitive, rv);
}

static void check_alter_table(lint_ctx *c, rls_state *rs, const cJSON *f)
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
                   is_sensitive(c->cfg->policy, rs, q)) {
            lint_report(c, RULE_RLS_REQUIRED, location_of(rv),
                        "%s row-level security on sensitive table %s",
                        strcmp(sub, "AT_DisableRowSecurity") == 0 ? "disables" : "stops forcing",
                        q);
        }
    }
    free(q);
}

static bool sets_search_path(const cJSON *opts)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const cJSON *vs = field(field(d, PGF_arg), PGN_VariableSetStmt);
        if (str_is(str_field(d, PGF_defname), "set") &&
            str_is(str_field(vs, PGF_name), "search_path") &&
            str_is(str_field(vs, PGF_kind), "VAR_SET_VALUE"))
            return true;
    }
    return false;
}

static void check_drop_policy(lint_ctx *c, rls_state *rs, const cJSON *f)
{
    if (!str_is(str_field(f, PGF_removeType), "OBJECT_POLICY"))
        return;
    const cJSON *o;
    cJSON_ArrayForEach(o, field(f, PGF_objects)) {
        const cJSON *items = field(field(o, PGN_List), PGF_items);
        int n = cJSON_GetArraySize(items);
        if (n < 2)
            continue;
        const char *table = list_str(items, n - 2);
        const char *schema = n >= 3 ? list_str(items, n - 3) : "public";
        char *q = xasprintf("%s.%s", schema ? schema : "public", table ? table : "");
        if (is_sensitive(c->cfg->policy, rs, q))
            lint_report(c, RULE_RLS_REQUIRED, -1, "drops a policy of sensitive table %s", q);
        free(q);
    }
}

static void check_grant(lint_ctx *c, const cJSON *f)
{
    if (!bool_field(f, PGF_is_grant))
        return;
    const cJSON *r;
    cJSON_ArrayForEach(r, field(f, PGF_grantees)) {
        const cJSON *spec = field(r, PGN_RoleSpec);
        if (str_is(str_field(spec, PGF_roletype), "ROLESPEC_PUBLIC"))
            lint_report(c, RULE_GRANT_TO_PUBLIC, location_of(spec),
                        "grants to PUBLIC: every role, present and future, gets it");
    }
}

static void check_unit(lint_ctx *c, rls_state *rs, pg_kind k, const cJSON *f)
{
    switch (k) {
    case PGK_CreateStmt:
        check_create(c, rs, f);
        break;
    case PGK_CreateTableAsStmt:
        check_create_as(c, rs, field(field(f, PGF_into), PGF_rel), field(f, PGF_into),
                        field(field(f, PGF_query), PGN_SelectStmt));
        break;
    case PGK_SelectStmt:
        if (field(f, PGF_intoClause))
            check_create_as(c, rs, field(field(f, PGF_intoClause), PGF_rel),
                            field(f, PGF_intoClause), f);
        break;
    case PGK_AlterDefaultPrivilegesStmt:
        check_grant(c, field(f, PGF_action));
        break;
    case PGK_AlterTableStmt:
        check_alter_table(c, rs, f);
        break;
    case PGK_CreatePolicyStmt: {
        char *q = qualified_name(field(f, PGF_table));
        created_table *t = q ? find_created(rs, q) : NULL;
        if (t)
            t->has_policy = true;
        free(q);
        break;
    }
    case PGK_DropStmt:
        check_drop_policy(c, rs, f);
        break;
    case PGK_AlterRoleStmt:
    case PGK_CreateRoleStmt:
        if (option_true(field(f, PGF_options), "bypassrls"))
            lint_report(c, RULE_RLS_REQUIRED, -1,
                        "grants BYPASSRLS, which skips every row-level security policy");
        break;
    case PGK_CreateFunctionStmt:
        if (option_true(field(f, PGF_options), "security") &&
            !sets_search_path(field(f, PGF_options)))
            lint_report(c, RULE_SECURITY_DEFINER_SEARCH_PATH, -1,
                        "SECURITY DEFINER function without SET search_path: callers can "
                        "shadow the objects it uses");
        break;
    case PGK_AlterFunctionStmt:
        if (option_true(field(f, PGF_actions), "security") &&
            !sets_search_path(field(f, PGF_actions)))
            lint_report(c, RULE_SECURITY_DEFINER_SEARCH_PATH, -1,
                        "makes a function SECURITY DEFINER without SET search_path in the "
                        "same statement");
        break;
    case PGK_GrantStmt:
        check_grant(c, f);
        break;
    default:
        break;
    }
}

static void *rls_begin(lint_ctx *c)
{
    (void)c;
    return xcalloc(1, sizeof(rls_state));
}

static void rls_unit(lint_ctx *c, void *state)
{
    const unit_info *u = &c->f->units[c->unit];
    check_unit(c, state, (pg_kind)u->kind, u->node);
}

static void rls_end(lint_ctx *c, void *state)
{
    rls_state *rs = state;
    finding_list keep = {0};
    for (size_t i = 0; i < rs->n; i++) {
        created_table *t = &rs->tables[i];
        if (t->finding == SIZE_MAX || (t->rls_enabled && t->has_policy))
            continue;
        finding *f = &rs->pending.items[t->finding];
        free(f->message);
        f->message = xasprintf(
            "sensitive table %s is created without %s later in this script", t->qualified,
            !t->rls_enabled && !t->has_policy ? "ENABLE ROW LEVEL SECURITY and a CREATE POLICY"
            : !t->rls_enabled                 ? "ENABLE ROW LEVEL SECURITY"
                                              : "a CREATE POLICY");
        GROW(keep.items, keep.cap, keep.count + 1);
        keep.items[keep.count++] = *f;
        memset(f, 0, sizeof(*f));
    }
    lint_keep(c, &keep);
}

static void rls_free(void *state)
{
    rls_state *rs = state;
    for (size_t i = 0; i < rs->n; i++)
        free(rs->tables[i].qualified);
    free(rs->tables);
    finding_list_free(&rs->pending);
    free(rs);
}

const lint_checker gate_security_checker = {
    .begin = rls_begin, .unit = rls_unit, .end = rls_end, .free = rls_free};
