/*
 * txn_rules.c: transactions and `pgward apply`; see txn_rules.h. What a statement
 * is to transactions (control, refused inside a block) is a fact of the analysis
 * (analyze/txn.c); which file is marked, and which subscriptions have no slot, the
 * session knows.
 */
#include "rules/txn_rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "parse/pgnode.h"
#include "rules/checks.h"

#define DIRECTIVE "-- pgward:no-transaction"

bool txn_source_no_transaction(const source *src)
{
    return source_no_transaction(src);
}

/* The units of st as the analysis describes them (no walk), for the helpers below. */
static bool any_unit(const statement *st, bool control)
{
    if (st->parse.error)
        return false;
    session *s = session_new();
    stmt_facts *f = analyze_begin(s, st);
    bool hit = false;
    for (size_t u = 0; u < f->nunits && !hit; u++)
        hit = control ? f->units[u].txn != TXN_NONE && f->units[u].txn < TXN_SAVEPOINT
                      : f->units[u].no_txn_what != NULL;
    facts_free(f);
    session_free(s);
    return hit;
}

bool txn_statement_needs_no_transaction(const statement *st)
{
    return any_unit(st, false);
}

/* "a\0b\0...\0" of n parts, then an empty part: identifiers never hold a NUL. */
static char *parts(size_t n, const char *const *p)
{
    strbuf sb = {0};
    for (size_t i = 0; i < n; i++) {
        sb_adds(&sb, p[i]);
        sb_addc(&sb, '\0');
    }
    sb_addc(&sb, '\0');
    return sb_detach(&sb, NULL);
}

bool txn_facts_outside_block(const stmt_facts *f)
{
    for (size_t u = 0; u < f->nunits; u++)
        if (f->units[u].no_txn_what ||
            (f->units[u].txn != TXN_NONE && f->units[u].txn < TXN_SAVEPOINT))
            return true;
    return false;
}

char *txn_facts_resume_check(const stmt_facts *f)
{
    if (f->unparsed || f->nunits != 1)
        return NULL;
    const char *what = f->units[0].no_txn_what;
    if (what && (strncmp(what, "VACUUM", 6) == 0 || strncmp(what, "REINDEX", 7) == 0 ||
                 strncmp(what, "CLUSTER", 7) == 0)) {
        const char *p[] = {"idempotent", what};
        return parts(2, p);
    }
    if (!what || f->nobjects != 1 || f->objects[0].kind != OBJ_INDEX ||
        !f->objects[0].name.schema || !f->objects[0].name.name)
        return NULL;
    /* qualified only: where an unqualified name led when it ran is not known now */
    const obj_ref *o = &f->objects[0];
    if (o->action == OBJ_CREATE && strcmp(what, "CREATE INDEX CONCURRENTLY") == 0) {
        const char *table = str_field(field(o->node, PGF_relation), PGF_relname);
        const char *p[] = {"index", o->name.schema, table, o->name.name};
        return table ? parts(4, p) : NULL;
    }
    if (o->action == OBJ_DROP && strcmp(what, "DROP INDEX CONCURRENTLY") == 0) {
        const char *p[] = {"no-index", o->name.schema, o->name.name};
        return parts(3, p);
    }
    return NULL;
}

char *txn_statement_resume_check(const statement *st)
{
    if (st->parse.error || st->parse.nstmts != 1)
        return NULL;
    session *s = session_new();
    stmt_facts *f = analyze_begin(s, st);
    for (size_t u = 0; u < f->nunits; u++)
        analyze_unit(f, u); /* the objects it creates or drops */
    char *out = txn_facts_resume_check(f);
    facts_free(f);
    session_free(s);
    return out;
}

bool txn_statement_is_control(const statement *st)
{
    return any_unit(st, true);
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

typedef struct txn_state {
    const char *what;        /* the statement's first unit refused in a block, or NULL */
    const source **warned;   /* files warned about (no-transaction-mixed) */
    size_t nwarned, capwarned;
} txn_state;

/* Whether a unit starts or ends a transaction (not savepoints). */
static bool is_control(const unit_info *u)
{
    return u->txn != TXN_NONE && u->txn < TXN_SAVEPOINT;
}

static void check_control(lint_ctx *c, const unit_info *u)
{
    const statement *st = c->st;
    const char *name = u->txn_name;
    switch (u->txn) {
    case TXN_BEGIN:
        lint_report(c, RULE_TRANSACTION_CONTROL, -1,
                    "%s would start a transaction inside the one pgward apply runs this file "
                    "in; remove it (apply starts the transaction) or mark the file "
                    "'" DIRECTIVE "'",
                    name);
        break;
    case TXN_COMMIT:
    case TXN_PREPARE:
    case TXN_ROLLBACK:
        lint_report(c, RULE_TRANSACTION_CONTROL, -1,
                    "%s would end the transaction pgward apply runs this file in; remove it "
                    "(apply %s) or mark the file '" DIRECTIVE "'",
                    st->parse.nstmts == 1 ? spelled(st, name) : name,
                    u->txn != TXN_ROLLBACK ? "commits" : "rolls back when a statement fails");
        break;
    default:
        lint_report(c, RULE_TRANSACTION_CONTROL, -1,
                    "%s cannot run inside the transaction pgward apply runs this file in; "
                    "mark the file '" DIRECTIVE "'",
                    name);
        break;
    }
}

static void *txn_begin(lint_ctx *c)
{
    (void)c;
    return xcalloc(1, sizeof(txn_state));
}

static void txn_unit(lint_ctx *c, void *state)
{
    txn_state *ts = state;
    const unit_info *u = &c->f->units[c->unit];
    if (c->unit == 0)
        ts->what = NULL;
    const char *what = u->no_txn_what;
    /* DROP SUBSCRIPTION of one the script made slotless needs no directive */
    if (what && u->kind == PGK_DropSubscriptionStmt &&
        session_subscription_slotless(c->sess, str_field(u->node, PGF_subname)))
        what = NULL;
    if (!ts->what)
        ts->what = what;
}

static void txn_statement(lint_ctx *c, void *state)
{
    txn_state *ts = state;
    const stmt_facts *f = c->f;
    if (f->unparsed || f->nunits == 0)
        return;
    if (!session_file_no_transaction(c->sess)) {
        for (size_t u = 0; u < f->nunits; u++) {
            if (is_control(&f->units[u])) {
                check_control(c, &f->units[u]); /* one finding per statement */
                return;
            }
        }
        if (ts->what)
            lint_report(c, RULE_NO_TRANSACTION_REQUIRED, -1,
                        "%s cannot run inside a transaction block: mark the file with "
                        "'" DIRECTIVE "'",
                        ts->what);
        return;
    }
    for (size_t i = 0; i < ts->nwarned; i++)
        if (ts->warned[i] == c->st->src)
            return;
    if (ts->what)
        return;
    bool all_harmless = true; /* SET, RESET and SHOW: harmless outside a transaction */
    for (size_t u = 0; u < f->nunits; u++)
        all_harmless &= f->units[u].kind == PGK_VariableSetStmt ||
                        f->units[u].kind == PGK_VariableShowStmt;
    if (all_harmless)
        return;
    GROW(ts->warned, ts->capwarned, ts->nwarned + 1);
    ts->warned[ts->nwarned++] = c->st->src;
    lint_report(c, RULE_NO_TRANSACTION_MIXED, -1,
                "file marked '" DIRECTIVE "' also holds statements that could run in a "
                "transaction: apply runs each on its own, without the all-or-nothing "
                "guarantee; move them to a file without the directive");
}

static void txn_free(void *state)
{
    txn_state *ts = state;
    free(ts->warned);
    free(ts);
}

const lint_checker txn_checker = {
    .begin = txn_begin, .unit = txn_unit, .statement = txn_statement, .free = txn_free};

