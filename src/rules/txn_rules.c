/*
 * txn_rules.c: transactions and `pgward apply`; see txn_rules.h.
 *
 * What PostgreSQL 15 refuses inside a transaction block is what its sources guard
 * with PreventInTransactionBlock(); the parse trees are libpg_query's JSON, node
 * and field names from pg_nodes.h, enum values spelled as libpg_query writes them.
 */
#include "rules/txn_rules.h"

#include "rules/rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse/pgnode.h"
#include "base/util.h"

#define DIRECTIVE "-- pgward:no-transaction"

/* ------------------------------------------------------------------ helpers */

/*
 * The value of a boolean option as PostgreSQL's defGetBoolean() reads it: no
 * argument is true; 0/1, true/false, on/off. A value it would reject makes the
 * statement fail anyway; it counts as true.
 */
static bool option_bool(const cJSON *def)
{
    const cJSON *arg = field(def, PGF_arg);
    if (!arg)
        return true;
    const cJSON *i = field(arg, PGN_Integer);
    if (i) {
        const cJSON *v = field(i, PGF_ival); /* libpg_query omits 0 */
        return cJSON_IsNumber(v) && v->valuedouble != 0;
    }
    const cJSON *b = field(arg, PGN_Boolean);
    if (b)
        return bool_field(b, PGF_boolval);
    const char *s = str_field(field(arg, PGN_String), PGF_sval);
    return !(s && (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0));
}

/* A boolean option of a list: its value when given, else dflt. */
static bool option_or(const cJSON *list, const char *name, bool dflt)
{
    const cJSON *d = find_option(list, name);
    return d ? option_bool(d) : dflt;
}

/* ------------------------------------------------------------------ statements */

/*
 * What a single parsed statement (a node object) is that PostgreSQL 15 refuses in a
 * transaction block, named as its error message names it, or NULL. DROP
 * SUBSCRIPTION refuses only when the subscription has a replication slot, which
 * only the catalog knows; it counts (a subscription has one unless created or set
 * with slot_name = NONE: txn_check_script). REINDEX or CLUSTER of a partitioned
 * table are refused too, but which tables are partitioned only the catalog knows.
 */
static const char *needs_no_transaction(const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    const cJSON *f = sql_node_fields(node);
    if (!kind || !f)
        return NULL;
    if (strcmp(kind, PGN_IndexStmt) == 0)
        return bool_field(f, PGF_concurrent) ? "CREATE INDEX CONCURRENTLY" : NULL;
    if (strcmp(kind, PGN_DropStmt) == 0)
        return bool_field(f, PGF_concurrent) &&
                       str_is(str_field(f, PGF_removeType), "OBJECT_INDEX")
                   ? "DROP INDEX CONCURRENTLY"
                   : NULL;
    if (strcmp(kind, PGN_ReindexStmt) == 0) {
        const char *rk = str_field(f, PGF_kind);
        if (str_is(rk, "REINDEX_OBJECT_SCHEMA"))
            return "REINDEX SCHEMA";
        if (str_is(rk, "REINDEX_OBJECT_SYSTEM"))
            return "REINDEX SYSTEM";
        if (str_is(rk, "REINDEX_OBJECT_DATABASE"))
            return "REINDEX DATABASE";
        return option_or(field(f, PGF_params), "concurrently", false) ? "REINDEX CONCURRENTLY"
                                                                       : NULL;
    }
    if (strcmp(kind, PGN_VacuumStmt) == 0)
        return bool_field(f, PGF_is_vacuumcmd) ? "VACUUM" : NULL; /* not ANALYZE */
    if (strcmp(kind, PGN_ClusterStmt) == 0)
        return field(f, PGF_relation) ? NULL : "CLUSTER without a table name";
    if (strcmp(kind, PGN_CreatedbStmt) == 0)
        return "CREATE DATABASE";
    if (strcmp(kind, PGN_DropdbStmt) == 0)
        return "DROP DATABASE";
    if (strcmp(kind, PGN_AlterDatabaseStmt) == 0)
        return find_option(field(f, PGF_options), "tablespace") ? "ALTER DATABASE SET TABLESPACE"
                                                                 : NULL;
    if (strcmp(kind, PGN_CreateTableSpaceStmt) == 0)
        return "CREATE TABLESPACE";
    if (strcmp(kind, PGN_DropTableSpaceStmt) == 0)
        return "DROP TABLESPACE";
    if (strcmp(kind, PGN_AlterSystemStmt) == 0)
        return "ALTER SYSTEM";
    if (strcmp(kind, PGN_DiscardStmt) == 0)
        return str_is(str_field(f, PGF_target), "DISCARD_ALL") ? "DISCARD ALL" : NULL;
    if (strcmp(kind, PGN_CreateSubscriptionStmt) == 0) {
        /* create_slot defaults to true, but to false with connect = false */
        const cJSON *opts = field(f, PGF_options);
        bool slot = option_or(opts, "create_slot", option_or(opts, "connect", true));
        return slot ? "CREATE SUBSCRIPTION with create_slot" : NULL;
    }
    if (strcmp(kind, PGN_DropSubscriptionStmt) == 0)
        return "DROP SUBSCRIPTION of a subscription with a replication slot";
    if (strcmp(kind, PGN_AlterSubscriptionStmt) == 0) {
        const char *ak = str_field(f, PGF_kind);
        if (str_is(ak, "ALTER_SUBSCRIPTION_REFRESH"))
            return "ALTER SUBSCRIPTION ... REFRESH PUBLICATION";
        bool pubs = str_is(ak, "ALTER_SUBSCRIPTION_SET_PUBLICATION") ||
                    str_is(ak, "ALTER_SUBSCRIPTION_ADD_PUBLICATION") ||
                    str_is(ak, "ALTER_SUBSCRIPTION_DROP_PUBLICATION");
        return pubs && option_or(field(f, PGF_options), "refresh", true)
                   ? "ALTER SUBSCRIPTION ... PUBLICATION with refresh"
                   : NULL;
    }
    if (strcmp(kind, PGN_AlterTableStmt) == 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, field(f, PGF_cmds)) {
            const cJSON *c = field(it, PGN_AlterTableCmd);
            if (str_is(str_field(c, PGF_subtype), "AT_DetachPartition") &&
                bool_field(field(field(c, PGF_def), PGN_PartitionCmd), PGF_concurrent))
                return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
        }
        return NULL;
    }
    if (strcmp(kind, PGN_TransactionStmt) == 0) {
        const char *tk = str_field(f, PGF_kind);
        if (str_is(tk, "TRANS_STMT_COMMIT_PREPARED"))
            return "COMMIT PREPARED";
        if (str_is(tk, "TRANS_STMT_ROLLBACK_PREPARED"))
            return "ROLLBACK PREPARED";
    }
    return NULL;
}

typedef enum control_kind {
    CONTROL_NONE,
    CONTROL_START,    /* BEGIN, START TRANSACTION */
    CONTROL_COMMIT,   /* COMMIT (END), PREPARE TRANSACTION */
    CONTROL_ROLLBACK, /* ROLLBACK (ABORT) */
    CONTROL_PREPARED, /* COMMIT PREPARED, ROLLBACK PREPARED */
} control_kind;

/* Whether a single parsed statement starts or ends a transaction, and its name. */
static control_kind control_of(const cJSON *node, const char **name)
{
    const char *kind = sql_node_kind(node);
    if (!kind || strcmp(kind, PGN_TransactionStmt) != 0)
        return CONTROL_NONE;
    static const struct {
        const char *kind, *name;
        control_kind what;
    } kinds[] = {
        {"TRANS_STMT_BEGIN", "BEGIN", CONTROL_START},
        {"TRANS_STMT_START", "START TRANSACTION", CONTROL_START},
        {"TRANS_STMT_COMMIT", "COMMIT", CONTROL_COMMIT},
        {"TRANS_STMT_ROLLBACK", "ROLLBACK", CONTROL_ROLLBACK},
        {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION", CONTROL_COMMIT},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED", CONTROL_PREPARED},
        {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED", CONTROL_PREPARED},
    };
    const char *tk = str_field(sql_node_fields(node), PGF_kind);
    for (size_t i = 0; tk && i < ARRAY_SIZE(kinds); i++) {
        if (strcmp(kinds[i].kind, tk) == 0) {
            *name = kinds[i].name;
            return kinds[i].what;
        }
    }
    return CONTROL_NONE; /* SAVEPOINT, RELEASE, ROLLBACK TO */
}

/* SET, RESET and SHOW of settings: harmless in a file run without a transaction. */
static bool harmless(const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    return kind && (strcmp(kind, PGN_VariableSetStmt) == 0 ||
                    strcmp(kind, PGN_VariableShowStmt) == 0);
}

bool txn_statement_needs_no_transaction(const statement *st)
{
    if (st->parse.error)
        return false;
    for (size_t i = 0; i < st->parse.nstmts; i++)
        if (needs_no_transaction(st->parse.stmts[i]))
            return true;
    return false;
}

bool txn_statement_is_control(const statement *st)
{
    if (st->parse.error)
        return false;
    const char *name;
    for (size_t i = 0; i < st->parse.nstmts; i++)
        if (control_of(st->parse.stmts[i], &name) != CONTROL_NONE)
            return true;
    return false;
}

/* ------------------------------------------------------------------ directive */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool txn_source_no_transaction(const source *src)
{
    if (!src || !src->text)
        return false;
    const size_t dlen = sizeof(DIRECTIVE) - 1;
    const char *p = src->text, *end = src->text + src->len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && is_blank(*q))
            q++;
        if ((size_t)(eol - q) >= dlen && memcmp(q, DIRECTIVE, dlen) == 0) {
            const char *r = q + dlen;
            while (r < eol && is_blank(*r))
                r++;
            if (r == eol)
                return true;
        }
        p = eol + 1;
    }
    return false;
}

/* ------------------------------------------------------------------ the check */

/* A finding of rule at st, at the severity rules_severity() gives (none when off). */
static void report(const policy *p, script *s, const statement *st, rule_id rule,
                   const char *fmt, ...) PRINTF_LIKE(5, 6);

static void report(const policy *p, script *s, const statement *st, rule_id rule,
                   const char *fmt, ...)
{
    severity sev;
    lint_config cfg = {.policy = p};
    if (!rules_severity(&cfg, rule, &sev))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(&s->findings, sev, rule, st->src, NULL, st->offset, 0, "%s", msg);
    finding_set_statement(&s->findings, st->text);
    free(msg);
}

/*
 * END and ABORT are COMMIT and ROLLBACK to the parser; the message names what the
 * script says. Only for a statement of its own (the text starts with it).
 */
static const char *spelled(const statement *st, const char *name)
{
    const char *t = st->text;
    for (;;) {
        while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '\f')
            t++;
        if (t[0] == '-' && t[1] == '-') {
            t += strcspn(t, "\n");
        } else if (t[0] == '/' && t[1] == '*') {
            int depth = 0; /* nested comments, as PostgreSQL */
            do {
                if (t[0] == '/' && t[1] == '*')
                    depth++, t += 2;
                else if (t[0] == '*' && t[1] == '/')
                    depth--, t += 2;
                else
                    t++;
            } while (depth > 0 && *t);
        } else {
            break;
        }
    }
    size_t n = 0;
    while (isalpha((unsigned char)t[n]))
        n++;
    if (n == 3 && strncasecmp(t, "end", 3) == 0)
        return "END";
    if (n == 5 && strncasecmp(t, "abort", 5) == 0)
        return "ABORT";
    return name;
}

/* The subscriptions set to slot_name = NONE so far in a script. */
typedef struct slotless {
    char **names;
    size_t n, cap;
} slotless;

static bool slotless_has(const slotless *sl, const char *name)
{
    for (size_t i = 0; i < sl->n; i++)
        if (strcmp(sl->names[i], name) == 0)
            return true;
    return false;
}

/*
 * Follows CREATE SUBSCRIPTION and ALTER SUBSCRIPTION ... SET (slot_name = ...): a
 * subscription created or set with slot_name = NONE has no slot; created without
 * it, or set to a name, it has one.
 */
static void track_slot(slotless *sl, const cJSON *node)
{
    const char *kind = sql_node_kind(node);
    bool create = kind && strcmp(kind, PGN_CreateSubscriptionStmt) == 0;
    if (!kind || (!create && strcmp(kind, PGN_AlterSubscriptionStmt) != 0))
        return;
    const cJSON *f = sql_node_fields(node);
    const char *name = str_field(f, PGF_subname);
    const cJSON *d = find_option(field(f, PGF_options), "slot_name");
    if (!name || (!d && !create))
        return;
    const char *slot = d ? str_field(field(field(d, PGF_arg), PGN_String), PGF_sval) : NULL;
    bool none = slot && strcmp(slot, "none") == 0;
    for (size_t i = 0; i < sl->n; i++) {
        if (strcmp(sl->names[i], name) == 0) {
            if (!none) {
                free(sl->names[i]);
                sl->names[i] = sl->names[--sl->n];
            }
            return;
        }
    }
    if (none) {
        GROW(sl->names, sl->cap, sl->n + 1);
        sl->names[sl->n++] = xstrdup(name);
    }
}

/* What st needs no transaction for (the first such statement), or NULL. */
static const char *needs_what(const statement *st, const slotless *sl)
{
    for (size_t i = 0; i < st->parse.nstmts; i++) {
        const cJSON *node = st->parse.stmts[i];
        const char *what = needs_no_transaction(node);
        const char *kind = sql_node_kind(node);
        if (what && kind && strcmp(kind, PGN_DropSubscriptionStmt) == 0) {
            const char *name = str_field(sql_node_fields(node), PGF_subname);
            if (name && slotless_has(sl, name))
                what = NULL;
        }
        if (what)
            return what;
    }
    return NULL;
}

static void check_control(const policy *p, script *s, const statement *st)
{
    for (size_t i = 0; i < st->parse.nstmts; i++) {
        const char *name = NULL;
        control_kind what = control_of(st->parse.stmts[i], &name);
        switch (what) {
        case CONTROL_NONE:
            continue;
        case CONTROL_START:
            report(p, s, st, RULE_TRANSACTION_CONTROL,
                   "%s would start a transaction inside the one pgward apply runs this file "
                   "in; remove it (apply starts the transaction) or mark the file "
                   "'" DIRECTIVE "'",
                   name);
            break;
        case CONTROL_COMMIT:
        case CONTROL_ROLLBACK:
            report(p, s, st, RULE_TRANSACTION_CONTROL,
                   "%s would end the transaction pgward apply runs this file in; remove it "
                   "(apply %s) or mark the file '" DIRECTIVE "'",
                   st->parse.nstmts == 1 ? spelled(st, name) : name,
                   what == CONTROL_COMMIT ? "commits" : "rolls back when a statement fails");
            break;
        case CONTROL_PREPARED:
            report(p, s, st, RULE_TRANSACTION_CONTROL,
                   "%s cannot run inside the transaction pgward apply runs this file in; "
                   "mark the file '" DIRECTIVE "'",
                   name);
            break;
        }
        return; /* one finding per statement */
    }
}

void txn_check_script(const policy *p, script *s)
{
    bool *marked = xcalloc(s->nsources ? s->nsources : 1, sizeof(bool));
    bool *warned = xcalloc(s->nsources ? s->nsources : 1, sizeof(bool));
    for (size_t k = 0; k < s->nsources; k++)
        marked[k] = txn_source_no_transaction(s->sources[k]);
    slotless sl = {0};
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        if (st->parse.error || !st->parse.nstmts)
            continue;
        size_t k = 0;
        while (k < s->nsources && s->sources[k] != st->src)
            k++;
        bool directive = k < s->nsources && marked[k];
        const char *what = needs_what(st, &sl);
        for (size_t n = 0; n < st->parse.nstmts; n++)
            track_slot(&sl, st->parse.stmts[n]);
        if (!directive) {
            if (txn_statement_is_control(st))
                check_control(p, s, st);
            else if (what)
                report(p, s, st, RULE_NO_TRANSACTION_REQUIRED,
                       "%s cannot run inside a transaction block: mark the file with "
                       "'" DIRECTIVE "'",
                       what);
            continue;
        }
        if (warned[k] || what)
            continue;
        bool all_harmless = true;
        for (size_t n = 0; n < st->parse.nstmts; n++)
            all_harmless &= harmless(st->parse.stmts[n]);
        if (all_harmless)
            continue;
        warned[k] = true;
        report(p, s, st, RULE_NO_TRANSACTION_MIXED,
               "file marked '" DIRECTIVE "' also holds statements that could run in a "
               "transaction: apply runs each on its own, without the all-or-nothing "
               "guarantee; move them to a file without the directive");
    }
    for (size_t i = 0; i < sl.n; i++)
        free(sl.names[i]);
    free(sl.names);
    free(marked);
    free(warned);
}
