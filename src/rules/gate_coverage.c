/*
 * gate_coverage.c: the edge of the gate's model. For a restricted role the gate
 * allows only what its analysis covers completely and exactly; this module reports
 * everything else as `unproven` (rule doc: rules/unproven.md; design: docs/gate.md):
 *
 *   reading     what the interpreter noted while reading (script.h: notes): bytes
 *               psql may read otherwise, run-time values interpolated as SQL text,
 *               psql variables that change how psql splits
 *   kinds       statement kinds the analysis does not model (CREATE OPERATOR,
 *               CREATE RULE, ALTER ... SET SCHEMA, NOTIFY, ...)
 *   settings    any change of the settings that decide how text is lexed
 *               (client_encoding, standard_conforming_strings, backslash_quote,
 *               escape_string_warning); routes to session state the model does not
 *               follow (SET inside a body, a function's SET clause, RESET ALL,
 *               DISCARD ALL, a search_path reset to a default only the catalog
 *               knows, set_config() of a name or scope known at run time)
 *   functions   calls of anything but the reviewed built-ins of
 *               rules/functions.allow, the calls the analysis models itself
 *               (nextval, setval, set_config) and the role's `allow function`
 *               list; unqualified calls, operators and types while search_path
 *               places a schema other than pg_catalog before it (or is unknown),
 *               the implicit = of a simple CASE, IN (subquery), JOIN USING and
 *               NATURAL JOIN, and the functions CREATE TRIGGER names (analyze/
 *               facts.h: path_ref)
 *   code        statements that do not parse, code the analysis cannot see into
 *               (dynamic SQL, other languages)
 *   COPY data   inline data psql would read as SQL if the server refused the COPY
 *               before asking for it, unless that reading cannot run anything
 * Unrestricted roles are not held to any of it.
 */
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>

#include "function_allowlist.h"
#include "pg_catalog_functions.h"
#include "policy/query.h"
#include "rules/checks.h"

/* ------------------------------------------------------------------ kinds */

/* Statement kinds whose every effect the analysis models (relations, calls,
   settings, transactions); any other kind is unproven for a restricted role. */
static const pg_kind modelled_kinds[] = {
    /* reading and writing data */
    PGK_SelectStmt, PGK_InsertStmt, PGK_UpdateStmt, PGK_DeleteStmt, PGK_MergeStmt,
    PGK_CopyStmt, PGK_TruncateStmt, PGK_ExplainStmt, PGK_LockStmt, PGK_CallStmt, PGK_DoStmt,
    /* session and transaction */
    PGK_VariableSetStmt, PGK_VariableShowStmt, PGK_TransactionStmt, PGK_DeclareCursorStmt,
    PGK_FetchStmt, PGK_ClosePortalStmt, PGK_PrepareStmt, PGK_ExecuteStmt, PGK_DeallocateStmt,
    PGK_ListenStmt, PGK_UnlistenStmt, PGK_ConstraintsSetStmt, PGK_DiscardStmt,
    /* DDL whose objects and references the analysis reads (held to the ddl grant) */
    PGK_CreateStmt, PGK_CreateSeqStmt, PGK_AlterSeqStmt, PGK_CreateEnumStmt,
    PGK_AlterEnumStmt, PGK_CreateDomainStmt, PGK_AlterDomainStmt, PGK_CompositeTypeStmt,
    PGK_CommentStmt, PGK_IndexStmt, PGK_AlterTableStmt, PGK_ViewStmt, PGK_CreateTableAsStmt,
    PGK_DropStmt, PGK_RenameStmt, PGK_CreateFunctionStmt, PGK_AlterFunctionStmt,
    PGK_CreateTrigStmt, PGK_CreatePolicyStmt, PGK_AlterPolicyStmt, PGK_RefreshMatViewStmt,
    PGK_CreateStatsStmt, PGK_CreateSchemaStmt,
    /* refused by the grants or no-identity-change, with their own findings */
    PGK_GrantStmt, PGK_GrantRoleStmt, PGK_AlterDefaultPrivilegesStmt, PGK_AlterRoleStmt,
    PGK_AlterRoleSetStmt, PGK_CreateRoleStmt, PGK_DropRoleStmt, PGK_DropOwnedStmt,
    PGK_ReassignOwnedStmt, PGK_AlterSystemStmt, PGK_AlterDatabaseSetStmt, PGK_LoadStmt,
    PGK_CheckPointStmt, PGK_ClusterStmt, PGK_ReindexStmt, PGK_VacuumStmt,
    PGK_CreateExtensionStmt,
};

/* Why a kind is not modelled, when there is more to say than its name. */
static const char *unmodelled_why(pg_kind k)
{
    switch (k) {
    case PGK_NotifyStmt:
        return "NOTIFY signals other sessions";
    case PGK_RuleStmt:
        return "CREATE RULE rewrites other statements, later and in other sessions";
    case PGK_DefineStmt:
        return "CREATE OPERATOR, AGGREGATE, TYPE or COLLATION can shadow built-ins";
    case PGK_CreateCastStmt:
        return "CREATE CAST runs a function wherever a value is converted";
    case PGK_AlterObjectSchemaStmt:
        return "ALTER ... SET SCHEMA moves an object into another schema";
    case PGK_AlterOwnerStmt:
        return "ALTER ... OWNER TO changes who may do what with an object";
    default:
        return NULL;
    }
}

/* EXECUTE and FETCH run what a PREPARE or DECLARE of this script holds (analysed
   there); of any other name, what the analysis never saw (another file's, another
   session's, psql's FETCH_COUNT cursor). */
static void check_portal(lint_ctx *c, const unit_info *u)
{
    pg_kind k = (pg_kind)u->kind;
    bool prepared = k == PGK_ExecuteStmt;
    if (k != PGK_ExecuteStmt && k != PGK_FetchStmt)
        return;
    const char *name = str_field(u->node, prepared ? PGF_name : PGF_portalname);
    if (!session_has_portal(c->sess, prepared, name))
        lint_report(c, RULE_UNPROVEN, (long)u->offset,
                    "%s of %s '%s' that this script does not %s: what it runs was never "
                    "analysed",
                    prepared ? "EXECUTE" : "FETCH",
                    prepared ? "a prepared statement" : "a cursor", name ? name : "",
                    prepared ? "PREPARE" : "DECLARE");
}

static void check_kind(lint_ctx *c, const unit_info *u)
{
    for (size_t i = 0; i < ARRAY_SIZE(modelled_kinds); i++)
        if ((pg_kind)u->kind == modelled_kinds[i])
            return;
    const char *why = unmodelled_why((pg_kind)u->kind);
    if (why)
        lint_report(c, RULE_UNPROVEN, (long)u->offset, "%s: not proven for restricted role '%s'",
                    why, c->role->name);
    else
        lint_report(c, RULE_UNPROVEN, (long)u->offset,
                    "%s is a kind of statement the gate does not model: not proven for "
                    "restricted role '%s'",
                    u->kind_name ? u->kind_name : "this", c->role->name);
}

/* ------------------------------------------------------------------ settings */

/* Settings that decide how psql and the server lex what follows. */
static const char *const lexing_settings[] = {"backslash_quote", "client_encoding",
                                              "escape_string_warning",
                                              "standard_conforming_strings"};
/* Settings that change who the session is (SET ROLE and the like are reported by
   no-identity-change; set_config() reaches them too). */
static const char *const identity_settings[] = {"role", "row_security",
                                                "session_authorization"};

static bool in_names(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* The family a grant's target belongs to (a family, a schema or schema.table). */
static const policy_family *grant_family(const policy *p, const policy_grant *g)
{
    if (g->target_kind == TARGET_FAMILY) {
        for (size_t i = 0; i < p->nfamilies; i++)
            if (strcmp(p->families[i].name, g->target) == 0)
                return &p->families[i];
        return NULL;
    }
    const char *dot = strchr(g->target, '.');
    char *schema = dot ? xstrndup(g->target, (size_t)(dot - g->target)) : xstrdup(g->target);
    const policy_family *f = policy_family_of(p, schema);
    free(schema);
    return f;
}

/*
 * set_config() of a value computed from what the statement reads puts that data
 * into the session, where current_setting() hands it to any later statement: a
 * channel around the isolation check. Unproven when the statement reads an
 * isolated family and the role may write another one.
 */
static bool settings_carry_across(lint_ctx *c, const setting_ref *s)
{
    const policy *p = c->cfg->policy;
    const stmt_facts *f = c->f;
    for (size_t i = 0; i < f->nrels; i++) {
        const rel_ref *r = &f->rels[i];
        const policy_family *read = (r->access & ACC_READ) ? policy_family_of(p, r->schema) : NULL;
        if (!read || !policy_is_isolated(p, read->name))
            continue;
        for (size_t k = 0; k < c->role->ngrants; k++) {
            const policy_grant *g = &c->role->grants[k];
            const policy_family *to = grant_family(p, g);
            if (to && to != read && policy_is_isolated(p, to->name) &&
                (g->classes & (CLASS_INSERT | CLASS_UPDATE | CLASS_DELETE | CLASS_DDL))) {
                lint_report(c, RULE_UNPROVEN, s->location,
                            "set_config('%s', ...) of a value read from family '%s' carries it "
                            "into the session, where a later statement may write it into "
                            "family '%s'",
                            s->name, read->name, to->name);
                return true;
            }
        }
    }
    return false;
}

/* A duration as PostgreSQL reads a timeout ("5s", "1min", "250" in ms), in ms;
   -1 when it is not one. */
static double duration_ms(const char *v)
{
    char *end;
    double n = strtod(v, &end);
    if (end == v)
        return -1;
    while (*end == ' ')
        end++;
    static const struct { const char *unit; double ms; } units[] = {
        {"", 1}, {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000},
        {"d", 86400000}};
    for (size_t i = 0; i < ARRAY_SIZE(units); i++)
        if (strcmp(end, units[i].unit) == 0)
            return n * units[i].ms;
    return -1;
}

/*
 * The settings the policy sets (`set statement_timeout = "60s"`) bound what a
 * restricted role's script runs: it may make a timeout stricter, never looser
 * (0 turns it off), and may not change any other of them.
 */
static bool check_policy_setting(lint_ctx *c, const setting_ref *s)
{
    const policy *p = c->cfg->policy;
    for (size_t i = 0; i < p->nsettings; i++) {
        if (strcmp(p->settings[i].name, s->name) != 0)
            continue;
        double limit = duration_ms(p->settings[i].value);
        double v = s->known && s->how == SETTING_VALUE && s->nvalues == 1
                       ? duration_ms(s->values[0])
                       : -1;
        if (limit > 0 && strstr(s->name, "timeout") && v > 0 && v <= limit)
            return false;
        lint_report(c, RULE_UNPROVEN, s->location,
                    "the policy sets %s to %s; restricted role '%s' may only make it "
                    "stricter (a smaller value that is not 0)",
                    s->name, p->settings[i].value, c->role->name);
        return true;
    }
    return false;
}

static void check_setting(lint_ctx *c, const setting_ref *s)
{
    const char *role = c->role->name;
    long at = s->location;
    if (s->scope == SCOPE_BODY) {
        lint_report(c, RULE_UNPROVEN, at,
                    "a setting changed inside a body (%s): the gate follows settings only "
                    "where the script itself sets them",
                    s->name ? s->name : "a name known at run time");
        return;
    }
    if (s->scope == SCOPE_FUNCTION) {
        lint_report(c, RULE_UNPROVEN, at,
                    "a function's SET clause (%s) changes settings wherever it is called",
                    s->name ? s->name : "all");
        return;
    }
    if (s->scope != SCOPE_SESSION)
        return; /* ALTER ROLE / DATABASE ... SET: refused as an identity change */
    if (s->how == SETTING_RESET_ALL) {
        lint_report(c, RULE_UNPROVEN, at,
                    "RESET ALL and DISCARD ALL restore the defaults of the role and the "
                    "database, which only the catalog knows");
        return;
    }
    if (!s->name) {
        lint_report(c, RULE_UNPROVEN, at, "set_config() of a setting named at run time");
        return;
    }
    if (in_names(lexing_settings, ARRAY_SIZE(lexing_settings), s->name)) {
        lint_report(c, RULE_UNPROVEN, at,
                    "changes %s, which decides how psql and the server read the text that "
                    "follows: not proven for restricted role '%s'",
                    s->name, role);
        return;
    }
    if (s->via_function && in_names(identity_settings, ARRAY_SIZE(identity_settings), s->name)) {
        lint_report(c, RULE_UNPROVEN, at,
                    "set_config('%s', ...) changes who the session is: not allowed for "
                    "restricted role '%s'",
                    s->name, role);
        return;
    }
    if (s->via_function) {
        const cJSON *local = cJSON_GetArrayItem(field(s->node, PGF_args), 2);
        if (!field(field(local, PGN_A_Const), PGF_boolval)) {
            lint_report(c, RULE_UNPROVEN, at,
                        "set_config('%s', ...) whose third argument (is_local) is not a "
                        "constant: the gate cannot tell how long the setting lasts",
                        s->name);
            return;
        }
    }
    if (s->via_function && !s->known && settings_carry_across(c, s))
        return;
    if (check_policy_setting(c, s))
        return;
    if (strcmp(s->name, "search_path") == 0 && s->how == SETTING_DEFAULT)
        lint_report(c, RULE_UNPROVEN, at,
                    "resets search_path to the default of the role or the database, which "
                    "only the catalog knows: set it to a value instead");
}

/* ------------------------------------------------------------------ names */

static bool system_schema(const char *s, bool temp_is_system)
{
    return strcmp(s, "pg_catalog") == 0 || strcmp(s, "information_schema") == 0 ||
           (temp_is_system && strcmp(s, "pg_temp") == 0);
}

/*
 * How an unqualified name resolves under the search_path in force: returns false
 * when the path is unknown; else *before_catalog is the first schema searched before
 * pg_catalog other than system ones (pg_temp counts as system for functions and
 * operators, which PostgreSQL never looks up there), or NULL; *first_user the first
 * non-system schema searched at all, or NULL.
 */
static bool path_order(const lint_ctx *c, bool temp_is_system, const char **before_catalog,
                       const char **first_user)
{
    size_t n;
    const char *const *path = session_search_path(c->sess, &n);
    *before_catalog = *first_user = NULL;
    if (!path)
        return false;
    bool catalog_listed = false;
    for (size_t i = 0; i < n; i++)
        catalog_listed |= strcmp(path[i], "pg_catalog") == 0;
    bool past_catalog = !catalog_listed; /* not listed: searched first */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(path[i], "pg_catalog") == 0) {
            past_catalog = true;
            continue;
        }
        if (system_schema(path[i], temp_is_system))
            continue;
        if (!*first_user)
            *first_user = path[i];
        if (!past_catalog && !*before_catalog)
            *before_catalog = path[i];
    }
    return true;
}

static int cmp_name(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

static bool allowlisted_builtin(const char *name)
{
    return bsearch(name, function_allowlist, ARRAY_SIZE(function_allowlist),
                   sizeof(function_allowlist[0]), cmp_name) != NULL;
}

/* Built-ins the analysis models itself: their effects are facts (a sequence
   written, a setting changed) that the gate checks like any other. */
static bool modelled_builtin(const char *name)
{
    return strcmp(name, "nextval") == 0 || strcmp(name, "setval") == 0 ||
           strcmp(name, "set_config") == 0;
}

static void check_call(lint_ctx *c, const call_ref *k)
{
    const policy_role *role = c->role;
    const char *name = k->name ? k->name : "";
    if (k->op) {
        if (k->schema && strcmp(k->schema, "pg_catalog") == 0)
            return;
        lint_report(c, RULE_UNPROVEN, k->location,
                    "OPERATOR(%s) runs a function outside pg_catalog: not proven for "
                    "restricted role '%s'",
                    k->display, role->name);
        return;
    }
    bool builtin = !k->procedure && (allowlisted_builtin(name) || modelled_builtin(name));
    if (k->schema) {
        if (strcmp(k->schema, "pg_catalog") == 0 && builtin)
            return;
        if (policy_function_allowed(role, k->display))
            return;
    } else {
        const char *before, *first_user;
        if (!path_order(c, true, &before, &first_user)) {
            if (builtin || policy_function_allowed(role, name))
                lint_report(c, RULE_UNPROVEN, k->location,
                            "%s() is unqualified and search_path is set to a value the gate "
                            "cannot see: qualify it (pg_catalog.%s) or set search_path",
                            name, name);
            else
                goto not_allowed;
            return;
        }
        if (builtin) {
            if (!before)
                return;
            lint_report(c, RULE_UNPROVEN, k->location,
                        "%s() is unqualified and search_path places schema '%s' before "
                        "pg_catalog, where a function of that name would be called instead",
                        name, before);
            return;
        }
        /* a function the policy allows by schema: the first schema searched must be it */
        for (size_t i = 0; i < role->nfunctions; i++) {
            const char *dot = strchr(role->functions[i], '.');
            if (dot && strcmp(dot + 1, name) == 0 && first_user &&
                strlen(first_user) == (size_t)(dot - role->functions[i]) &&
                strncmp(first_user, role->functions[i], (size_t)(dot - role->functions[i])) == 0)
                return;
        }
        if (policy_function_allowed(role, name)) {
            lint_report(c, RULE_UNPROVEN, k->location,
                        "%s() is unqualified and search_path does not search the schema the "
                        "policy allows it in first: qualify it",
                        name);
            return;
        }
    }
not_allowed:
    lint_report(c, RULE_UNPROVEN, k->location,
                "%s() is neither a built-in on the allowlist (rules/functions.allow) nor "
                "allowed for restricted role '%s' (`allow function` in the policy)",
                k->display, role->name);
}

static void check_path_ref(lint_ctx *c, const path_ref *p)
{
    const char *before, *first_user;
    bool is_type = strcmp(p->what, "type") == 0;
    if (!path_order(c, !is_type, &before, &first_user))
        lint_report(c, RULE_UNPROVEN, p->location,
                    "%s %s is unqualified and search_path is set to a value the gate cannot "
                    "see",
                    p->what, p->name);
    else if (before)
        lint_report(c, RULE_UNPROVEN, p->location,
                    "%s %s is unqualified and search_path places schema '%s' before "
                    "pg_catalog, where one of that name would be used instead",
                    p->what, p->name, before);
}

/* Catalog relations whose rows hold values of other tables' rows. */
static bool catalog_holds_data(const rel_ref *r)
{
    return r->name && (strcmp(r->schema, "pg_catalog") == 0 || !r->qualified) &&
           (strncmp(r->name, "pg_stats", 8) == 0 || strncmp(r->name, "pg_statistic", 12) == 0);
}

/* ------------------------------------------------------------------ COPY data */

/* psql's meta-commands with an effect (everything else psql accepts only shows
   things, and a name it does not know is an error that changes nothing). */
static const char *const effective_metas[] = {
    "!", "bind", "c", "cd", "connect", "copy", "crosstabview", "e", "edit", "ef", "elif",
    "else", "encoding", "endif", "ev", "g", "gdesc", "getenv", "gexec", "gset", "gx", "i",
    "if", "include", "include_relative", "ir", "o", "out", "password", "prompt", "set",
    "setenv", "unset", "w", "watch", "write"};

/* Keywords a statement can begin with: text that begins otherwise never parses. */
static const char *const leading_keywords[] = {
    "abort", "alter", "analyse", "analyze", "begin", "call", "checkpoint", "close",
    "cluster", "comment", "commit", "copy", "create", "deallocate", "declare", "delete",
    "discard", "do", "drop", "end", "execute", "explain", "fetch", "grant", "import",
    "insert", "listen", "load", "lock", "merge", "move", "notify", "prepare", "reassign",
    "refresh", "reindex", "release", "reset", "revoke", "rollback", "savepoint", "security",
    "select", "set", "show", "start", "table", "truncate", "unlisten", "update", "vacuum",
    "values", "with"};

/* Whether text, sent to the server, could be a statement: it begins with '(' or a
   statement keyword (or with text that is not there yet: a variable). */
static bool could_be_statement(const char *t)
{
    for (;;) {
        while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '\f' || *t == '\v')
            t++;
        if (t[0] == '-' && t[1] == '-') {
            while (*t && *t != '\n')
                t++;
        } else if (t[0] == '/' && t[1] == '*') {
            const char *e = strstr(t + 2, "*/");
            if (!e)
                return true; /* an open comment: what follows joins it */
            t = e + 2;
        } else {
            break;
        }
    }
    if (*t == '(' || *t == ':' || *t == 0)
        return *t != 0;
    size_t n = 0;
    char word[16];
    while (n < sizeof(word) - 1 && ((t[n] >= 'a' && t[n] <= 'z') || (t[n] >= 'A' && t[n] <= 'Z')))
        word[n] = (char)(t[n] | 0x20), n++;
    word[n] = 0;
    return n > 0 && in_names(leading_keywords, ARRAY_SIZE(leading_keywords), word);
}

static bool scans_cleanly(const char *text)
{
    PgQueryScanResult r = pg_query_scan(text);
    bool ok = r.error == NULL;
    pg_query_free_scan_result(r);
    return ok;
}

/*
 * COPY ... FROM STDIN with its data inline: when the server refuses the COPY before
 * asking for the data (a column that does not exist, a privilege), psql reads the
 * data as script. The data is proven only when that other reading cannot run
 * anything: no meta-command with an effect, no text that could begin a statement,
 * nothing left open (a quote, a comment) for what follows the data to join.
 */
/* Inline data larger than this is not read a second time (as SQL): unproven. */
#define COPY_DATA_READ_MAX ((size_t)8 << 20)

static void check_copy_data(lint_ctx *c)
{
    const statement *st = c->st;
    const char *text = st->src->text;
    size_t end = st->offset + st->length, data = (size_t)(st->copy_data - text);
    const char *why = NULL;
    for (size_t i = end; i < data && !why; i++) {
        if (text[i] == '-' && i + 1 < data && text[i + 1] == '-')
            break;
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
            why = "the COPY's line goes on after it";
    }
    for (size_t i = 0; i + 1 < st->copy_data_len && !why; i++) {
        char n = st->copy_data[i + 1];
        if (st->copy_data[i] == ':' &&
            ((n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') || n == '_' || n == '\'' ||
             n == '"' || (unsigned char)n >= 0x80))
            why = "psql would substitute a variable into it";
    }
    if (!why && st->copy_data_len > COPY_DATA_READ_MAX)
        why = "it is too large to read that way too";
    if (why) {
        lint_report(c, RULE_UNPROVEN, -1,
                    "inline COPY data: if the server refused the COPY before reading its "
                    "data, psql would read the data as SQL, and %s",
                    why);
        return;
    }
    script_options opt = script_options_default();
    opt.forbid_includes = true;
    opt.max_substitution = COPY_DATA_READ_MAX; /* \set a :a:a ... doubles per line */
    script *alt = script_read_memory(st->src->name, st->copy_data, st->copy_data_len, &opt);
    for (size_t i = 0; i < alt->nmetas && !why; i++)
        if (in_names(effective_metas, ARRAY_SIZE(effective_metas), alt->metas[i]) ||
            strncmp(alt->metas[i], "lo_", 3) == 0)
            why = "a line of it is a meta-command psql would run";
    for (size_t i = 0; i < alt->nstmts && !why; i++) {
        if (could_be_statement(alt->stmts[i].text))
            why = "a line of it could begin a statement";
        else if (i + 1 == alt->nstmts && !scans_cleanly(alt->stmts[i].text))
            why = "it leaves a quote or a comment open for what follows to join";
    }
    /* (meta-commands were judged above: psql rejects the ones it does not know) */
    for (size_t i = 0; i < alt->notes.count && !why; i++)
        if (strncmp(alt->notes.items[i].message, "psql runs \\", 11) != 0)
            why = "it holds bytes or constructs psql may read otherwise";
    script_free(alt);
    script_options_free(&opt);
    if (why)
        lint_report(c, RULE_UNPROVEN, -1,
                    "inline COPY data: if the server refused the COPY before reading its "
                    "data, psql would read the data as SQL, and %s",
                    why);
}

/* ------------------------------------------------------------------ the module */

static bool catalog_function(const char *name)
{
    return bsearch(name, pg_catalog_functions, ARRAY_SIZE(pg_catalog_functions),
                   sizeof(pg_catalog_functions[0]), cmp_name) != NULL;
}

/* A function or procedure named like a built-in: wherever search_path lists its
   schema first (or an argument type fits it better), it runs instead. */
static void check_shadowing(lint_ctx *c, const stmt_facts *f)
{
    for (size_t i = 0; i < f->nobjects; i++) {
        const obj_ref *o = &f->objects[i];
        if (o->unit != c->unit || o->action != OBJ_CREATE ||
            (o->kind != OBJ_FUNCTION && o->kind != OBJ_PROCEDURE) || !o->name.name)
            continue;
        if (catalog_function(o->name.name))
            lint_report(c, RULE_UNPROVEN, o->location,
                        "creates %s%s%s, named like the built-in %s(): where it is found "
                        "first it shadows the built-in, which the gate then cannot prove",
                        o->name.schema ? o->name.schema : "", o->name.schema ? "." : "",
                        o->name.name, o->name.name);
    }
}

static void coverage_unit(lint_ctx *c, void *state)
{
    (void)state;
    if (!c->role->restricted)
        return;
    const stmt_facts *f = c->f;
    if (f->unparsed)
        return;
    check_shadowing(c, f);
    /* bodies were parsed by the gate's unit (gate.c runs first) */
    check_kind(c, &f->units[c->unit]);
    check_portal(c, &f->units[c->unit]);
    for (size_t i = 0; i < f->nsettings; i++)
        if (f->settings[i].unit == c->unit)
            check_setting(c, &f->settings[i]);
    for (size_t i = 0; i < f->ncalls; i++)
        if (f->calls[i].unit == c->unit)
            check_call(c, &f->calls[i]);
    for (size_t i = 0; i < f->npath_refs; i++)
        if (f->path_refs[i].unit == c->unit)
            check_path_ref(c, &f->path_refs[i]);
    for (size_t i = 0; i < f->nrels; i++)
        if (f->rels[i].unit == c->unit && !f->rels[i].qualified && f->rels[i].name &&
            strcmp(f->rels[i].name, RUNTIME_IDENT_TEXT) == 0)
            lint_report(c, RULE_UNPROVEN, f->rels[i].location,
                        "a relation named by a run-time value without a schema: search_path "
                        "(pg_catalog first) decides which one; qualify it (schema.:\"var\")");
    for (size_t i = 0; i < f->nrels; i++)
        if (f->rels[i].unit == c->unit && catalog_holds_data(&f->rels[i]))
            lint_report(c, RULE_UNPROVEN, f->rels[i].location,
                        "pg_catalog.%s holds values of other tables' rows (column "
                        "statistics): not proven for restricted role '%s'",
                        f->rels[i].name, c->role->name);
}

static void coverage_statement(lint_ctx *c, void *state)
{
    (void)state;
    const stmt_facts *f = c->f;
    if (!c->role->restricted)
        return;
    if (f->unparsed) {
        lint_report(c, RULE_UNPROVEN, -1,
                    "a statement that does not parse cannot be proven allowed for restricted "
                    "role '%s'",
                    c->role->name);
        return;
    }
    if (f->dynamic_what)
        lint_report(c, RULE_UNPROVEN, -1, "%s cannot be proven allowed for restricted role '%s'",
                    f->dynamic_what, c->role->name);
    if (c->st->copy_data)
        check_copy_data(c);
}

/* What the interpreter noted while reading: reported for a restricted role. */
static void coverage_end(lint_ctx *c, void *state)
{
    (void)state;
    finding_list *notes = &c->s->notes;
    severity sev;
    if (!c->role->restricted || !rules_severity(c->cfg, RULE_UNPROVEN, &sev)) {
        finding_list_free(notes);
        return;
    }
    for (size_t i = 0; i < notes->count; i++)
        notes->items[i].severity = sev;
    lint_keep(c, notes);
}

const lint_checker gate_coverage_checker = {
    .unit = coverage_unit, .statement = coverage_statement, .end = coverage_end};
