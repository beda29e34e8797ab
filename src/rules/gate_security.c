/*
 * gate_security.c: the gate's rules about row-level security, SECURITY DEFINER
 * functions and grants to PUBLIC, for every role (and without a policy):
 *
 *   rls-required                  a table sensitive after the script (created so, by
 *                                 name, a column, LIKE, INHERITS or PARTITION OF a
 *                                 sensitive one; given a sensitive column by ADD or
 *                                 RENAME COLUMN; renamed into a sensitive name)
 *                                 without ENABLE and FORCE ROW LEVEL SECURITY and a
 *                                 policy that is not (true) later in the script;
 *                                 DISABLE or NO FORCE ROW LEVEL SECURITY, DROP
 *                                 POLICY, or CREATE/ALTER POLICY ... (true), on a
 *                                 sensitive table; granting BYPASSRLS
 *   security-definer-search-path  CREATE/ALTER FUNCTION ... SECURITY DEFINER without
 *                                 SET search_path
 *   grant-to-public               GRANT ... TO PUBLIC
 * Sensitive means: the qualified table name matches a `sensitive table pattern`, or a
 * column of it matches a `sensitive column pattern`. Whether such a table got its
 * RLS and policy is known at the end of the script (the state it leaves behind):
 * its finding is made when the table becomes sensitive and kept then or dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/checks.h"

/* A table the script makes sensitive (creates so, adds or renames a sensitive
   column to, renames into a sensitive name): what it has by the end of the script. */
typedef struct created_table {
    char *qualified;
    bool rls_enabled;
    bool rls_forced;
    bool has_policy;       /* a policy that is not trivially true */
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

static bool sensitive_name(const policy *p, const char *q)
{
    return p && policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, q);
}

static bool is_sensitive(const policy *p, rls_state *rs, const char *q)
{
    return sensitive_name(p, q) || find_created(rs, q);
}

static bool sensitive_column(const lint_ctx *c, const char *col)
{
    const policy *p = c->cfg->policy;
    return col && p && policy_patterns_match(p->sensitive_columns, p->nsensitive_columns, col);
}

/* Starts following a table the script makes sensitive (q is taken); its finding,
   whose message says what is missing, is settled at the end of the script. */
static void remember_sensitive(lint_ctx *c, rls_state *rs, char *q, long loc)
{
    if (find_created(rs, q)) {
        free(q);
        return;
    }
    GROW(rs->tables, rs->cap, rs->n + 1);
    created_table *t = &rs->tables[rs->n++];
    *t = (created_table){.qualified = q, .finding = SIZE_MAX};
    size_t before = rs->pending.count;
    lint_report_to(c, &rs->pending, RULE_RLS_REQUIRED, loc, "%s", q);
    if (rs->pending.count > before)
        t->finding = before;
}

static void remember_created(lint_ctx *c, rls_state *rs, char *q, bool sensitive,
                             const cJSON *rv)
{
    if (!sensitive) {
        free(q);
        return;
    }
    remember_sensitive(c, rs, q, location_of(rv));
}

static void check_create(lint_ctx *c, rls_state *rs, const cJSON *f)
{
    const cJSON *rv = field(f, PGF_relation);
    char *q = qualified_name(rv);
    if (!q)
        return;
    const policy *p = c->cfg->policy;
    bool sensitive = sensitive_name(p, q);
    const cJSON *elt;
    cJSON_ArrayForEach(elt, field(f, PGF_tableElts)) {
        sensitive |= sensitive_column(c, str_field(field(elt, PGN_ColumnDef), PGF_colname));
        /* LIKE a sensitive table copies its sensitive columns */
        char *like = qualified_name(field(field(elt, PGN_TableLikeClause), PGF_relation));
        sensitive |= like && is_sensitive(p, rs, like);
        free(like);
    }
    /* INHERITS and PARTITION OF a sensitive table: its columns, its rows */
    const cJSON *parent;
    cJSON_ArrayForEach(parent, field(f, PGF_inhRelations)) {
        char *pq = qualified_name(field(parent, PGN_RangeVar));
        sensitive |= pq && is_sensitive(p, rs, pq);
        free(pq);
    }
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
    bool sensitive = sensitive_name(c->cfg->policy, q);
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
        const cJSON *ac = field(cmd, PGN_AlterTableCmd);
        const char *sub = str_field(ac, PGF_subtype);
        if (!sub)
            continue;
        created_table *t = find_created(rs, q);
        if (strcmp(sub, "AT_AddColumn") == 0) {
            const char *col = str_field(field(field(ac, PGF_def), PGN_ColumnDef), PGF_colname);
            if (sensitive_column(c, col) && !t)
                remember_sensitive(c, rs, xstrdup(q), location_of(rv));
        } else if (strcmp(sub, "AT_EnableRowSecurity") == 0) {
            if (t)
                t->rls_enabled = true;
        } else if (strcmp(sub, "AT_ForceRowSecurity") == 0) {
            if (t)
                t->rls_forced = true;
        } else if ((strcmp(sub, "AT_DisableRowSecurity") == 0 ||
                    strcmp(sub, "AT_NoForceRowSecurity") == 0) &&
                   is_sensitive(c->cfg->policy, rs, q)) {
            bool disable = strcmp(sub, "AT_DisableRowSecurity") == 0;
            if (t && disable)
                t->rls_enabled = false;
            else if (t)
                t->rls_forced = false;
            lint_report(c, RULE_RLS_REQUIRED, location_of(rv),
                        "%s row-level security on sensitive table %s",
                        disable ? "disables" : "stops forcing", q);
        }
    }
    free(q);
}

/* ALTER TABLE ... RENAME TO and RENAME COLUMN: a table renamed into a sensitive
   name, or given a sensitive column, becomes sensitive; one followed keeps going. */
static void check_rename(lint_ctx *c, rls_state *rs, const cJSON *f)
{
    const char *type = str_field(f, PGF_renameType);
    const cJSON *rv = field(f, PGF_relation);
    const char *newname = str_field(f, PGF_newname);
    char *q = qualified_name(rv);
    if (!q || !newname) {
        free(q);
        return;
    }
    if (str_is(type, "OBJECT_TABLE")) {
        const char *schema = str_field(rv, PGF_schemaname);
        char *nq = xasprintf("%s.%s", schema ? schema : "public", newname);
        created_table *t = find_created(rs, q);
        if (t) {
            free(t->qualified);
            t->qualified = nq;
        } else if (sensitive_name(c->cfg->policy, nq) && !sensitive_name(c->cfg->policy, q)) {
            remember_sensitive(c, rs, nq, location_of(rv));
        } else {
            free(nq);
        }
    } else if (str_is(type, "OBJECT_COLUMN") && sensitive_column(c, newname) &&
               !find_created(rs, q)) {
        remember_sensitive(c, rs, xstrdup(q), location_of(rv));
    }
    free(q);
}

/* CREATE or ALTER POLICY: a trivially true one on a sensitive table opens it. */
static void check_policy(lint_ctx *c, rls_state *rs, const cJSON *f, bool create)
{
    char *q = qualified_name(field(f, PGF_table));
    if (!q)
        return;
    const cJSON *qual = true_const(field(f, PGF_qual));
    const cJSON *check = true_const(field(f, PGF_with_check));
    created_table *t = find_created(rs, q);
    if ((qual || check) && is_sensitive(c->cfg->policy, rs, q))
        lint_report(c, RULE_RLS_REQUIRED, location_of(qual ? qual : check),
                    "%s policy %s on sensitive table %s is %s (true): it lets every row %s",
                    create ? "a new" : "altered", str_field(f, PGF_policy_name), q,
                    qual ? "USING" : "WITH CHECK", qual ? "through" : "be written");
    else if (create && t && (field(f, PGF_qual) || field(f, PGF_with_check)))
        t->has_policy = true;
    free(q);
}

/* Whether the unit's function gets a search_path of its own (SET search_path = ...
   or FROM CURRENT in its clause): the analysis's reading, the one rules_security.c
   uses too. */
static bool sets_search_path(const lint_ctx *c)
{
    const stmt_facts *f = c->f;
    for (size_t i = 0; i < f->nsettings; i++) {
        const setting_ref *s = &f->settings[i];
        if (s->unit == c->unit && s->scope == SCOPE_FUNCTION && s->body < 0 && s->name &&
            strcmp(s->name, "search_path") == 0 &&
            (s->how == SETTING_VALUE || s->how == SETTING_CURRENT))
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
    case PGK_CreatePolicyStmt:
        check_policy(c, rs, f, true);
        break;
    case PGK_AlterPolicyStmt:
        check_policy(c, rs, f, false);
        break;
    case PGK_RenameStmt:
        check_rename(c, rs, f);
        break;
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
            !sets_search_path(c))
            lint_report(c, RULE_SECURITY_DEFINER_SEARCH_PATH, -1,
                        "SECURITY DEFINER function without SET search_path: callers can "
                        "shadow the objects it uses");
        break;
    case PGK_AlterFunctionStmt:
        if (option_true(field(f, PGF_actions), "security") &&
            !sets_search_path(c))
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

/*
 * GRANT ... TO PUBLIC in the bodies of the unit's DO blocks and functions: the same
 * grant when the block or the function runs (the statement's own are check_grant's).
 */
static void check_body_grants(lint_ctx *c)
{
    /* a body without the word cannot hold one: most are not parsed for this */
    for (size_t i = 0; i < c->f->nbodies; i++) /* nbodies grows with nested bodies */
        if (c->f->bodies[i].unit == c->unit && ascii_contains_ci(c->f->bodies[i].text, "grant"))
            facts_body(c->f, i);
    for (size_t i = 0; i < c->f->npublic_grants; i++) {
        const public_grant_ref *g = &c->f->public_grants[i];
        if (g->unit != c->unit || g->body < 0)
            continue;
        const body_info *b = &c->f->bodies[g->body];
        lint_report(c, RULE_GRANT_TO_PUBLIC, g->location,
                    "grants to PUBLIC when the %s runs: every role, present and future, gets "
                    "it",
                    b->is_do ? "DO block" : "function");
    }
}

static void rls_unit(lint_ctx *c, void *state)
{
    const unit_info *u = &c->f->units[c->unit];
    check_unit(c, state, (pg_kind)u->kind, u->node);
    check_body_grants(c);
}

static void rls_end(lint_ctx *c, void *state)
{
    rls_state *rs = state;
    finding_list keep = {0};
    for (size_t i = 0; i < rs->n; i++) {
        created_table *t = &rs->tables[i];
        if (t->finding == SIZE_MAX || (t->rls_enabled && t->rls_forced && t->has_policy))
            continue;
        finding *f = &rs->pending.items[t->finding];
        strbuf missing = {0};
        const char *parts[3] = {t->rls_enabled ? NULL : "ENABLE ROW LEVEL SECURITY",
                                t->rls_forced ? NULL : "FORCE ROW LEVEL SECURITY",
                                t->has_policy ? NULL : "a CREATE POLICY that is not (true)"};
        for (int k = 0, n = 0; k < 3; k++)
            if (parts[k])
                sb_addf(&missing, "%s%s", n++ ? ", " : "", parts[k]);
        free(f->message);
        f->message = xasprintf("table %s is sensitive after this script, which does not "
                               "give it %s (idempotent: add them here)",
                               t->qualified, missing.buf);
        sb_free(&missing);
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
