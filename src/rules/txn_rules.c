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

/* ------------------------------------------------------------------ runner models */

static const runner_model models[] = {
    {"pgward", RUN_FILE_TXN, "each file runs in one transaction, as `pgward apply` does",
     "mark the file '-- pgward:no-transaction'", "in a file marked '-- pgward:no-transaction'",
     NULL, NULL, true},
    {"psql", RUN_AUTOCOMMIT,
     "psql runs each statement outside BEGIN ... COMMIT in a transaction of its own", NULL,
     "outside BEGIN ... COMMIT", NULL, "", false},
    {"sqitch", RUN_AUTOCOMMIT,
     "sqitch runs each script with psql, each statement outside BEGIN ... COMMIT on its own",
     NULL, "outside BEGIN ... COMMIT", NULL, "", false},
    /* dbmate, graphile-migrate and postgres-migrations send a migration as one query
       even when it is marked: PostgreSQL runs that as one implicit transaction */
    {"dbmate", RUN_FILE_TXN, "dbmate runs each migration in one transaction",
     "write '-- migrate:up transaction:false'",
     "alone in a migration marked '-- migrate:up transaction:false'",
     "dbmate sends each migration as one query, which runs as one transaction even when "
     "the migration is marked",
     "dbmate", true},
    {"goose", RUN_FILE_TXN, "goose runs each migration in one transaction",
     "add '-- +goose NO TRANSACTION'", "in a migration marked '-- +goose NO TRANSACTION'",
     NULL, "goose", true},
    {"golang-migrate", RUN_ONE_QUERY,
     "golang-migrate sends each file as one query, which runs as one transaction",
     "move it to a file of its own", "alone in a file of its own", NULL, "", false},
    {"flyway", RUN_FILE_TXN, "Flyway runs each migration in one transaction",
     "set executeInTransaction=false in the script's .sql.conf file",
     "in a migration with executeInTransaction=false in its .sql.conf file", NULL, "flyway",
     false},
    {"graphile-migrate", RUN_FILE_TXN, "graphile-migrate runs each migration in one transaction",
     "start the file with '--! no-transaction'",
     "alone in a migration starting with '--! no-transaction'",
     "graphile-migrate sends each migration as one query, which runs as one transaction even "
     "when the migration is marked",
     "graphile-migrate", false},
    {"postgres-migrations", RUN_FILE_TXN,
     "postgres-migrations runs each migration in one transaction",
     "add '-- postgres-migrations disable-transaction'",
     "alone in a migration marked '-- postgres-migrations disable-transaction'",
     "postgres-migrations sends each migration as one query, which runs as one transaction "
     "even when the migration is marked",
     "postgres-migrations", false},
};

const runner_model *runner_model_find(const char *name)
{
    if (!name)
        return &models[0];
    for (size_t i = 0; i < ARRAY_SIZE(models); i++)
        if (strcmp(models[i].name, name) == 0)
            return &models[i];
    return NULL;
}

/* An extension script is run by CREATE EXTENSION whatever runs the migrations: inside
   a transaction block, where transaction control and the statements that need no
   transaction are refused (PostgreSQL's "Extension Files"); nothing takes it out. */
static const runner_model create_extension = {
    "create-extension", RUN_FILE_TXN,
    "CREATE EXTENSION runs an extension script inside a transaction block",
    "remove it: an extension script cannot leave that transaction",
    "outside the extension (CREATE EXTENSION cannot run it)", NULL, "", false};

const runner_model *runner_model_of(const lint_config *cfg, const script *s)
{
    if (s && lint_script_kind(s) == SCRIPT_EXTENSION)
        return &create_extension;
    return cfg && cfg->runner ? cfg->runner : &models[0];
}

bool txn_source_no_transaction(const source *src)
{
    const txn_directive *d = source_txn_directive(src);
    return d && !d->side_file; /* apply reads a bundle, which has no side files */
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

/* Meta-commands that run no SQL and choose nothing: the only ones a file-level
   transaction may hold (anything else psql would run, and the pair is not proven). */
static const char *const quiet_metas[] = {
    "set",      "unset",    "echo",       "qecho", "warn", "pset",    "timing",           "x",
    "conninfo", "restrict", "unrestrict", "i",     "ir",   "include", "include_relative",
    "q",        "quit", /* after the COMMIT; before it, the COMMIT is never read */
};

typedef struct txn_state {
    const runner_model *model;
    const char *what;        /* the statement's first unit refused in a block, or NULL */
    const source **warned;   /* files warned about (no-transaction-mixed) */
    size_t nwarned, capwarned;
    /* the file-level transaction, as far as it is proven */
    size_t seen;             /* statements so far */
    bool possible;           /* nothing so far rules it out */
    bool open, closed;       /* its BEGIN, and its COMMIT (or ROLLBACK), seen */
    bool rolled_back;        /* ... closed by ROLLBACK: not a file-level transaction */
    bool modes;              /* its BEGIN has transaction modes */
    int begin_line;
    finding_list held;       /* the pair's findings, until the end says whether they hold */
    finding_list single;     /* refused in a block when the file is one query (RUN_ONE_QUERY,
                                runner_model.one_query), unless it holds one statement */
} txn_state;

/* Whether a unit starts or ends a transaction (not savepoints). */
static bool is_control(const unit_info *u)
{
    return u->txn != TXN_NONE && u->txn < TXN_SAVEPOINT;
}

static void check_control(lint_ctx *c, txn_state *ts, finding_list *to, const unit_info *u)
{
    const statement *st = c->st;
    const runner_model *m = ts->model;
    const char *name = u->txn_name;
    if (m == &create_extension) {
        /* never held for a file-level pair: CREATE EXTENSION refuses that one too */
        (void)to;
        lint_report_to(c, &c->s->findings, RULE_TRANSACTION_CONTROL, -1,
                       "%s is refused in an extension script (%s); %s",
                       st->parse.nstmts == 1 ? spelled(st, name) : name, m->model, m->opt_out);
        return;
    }
    switch (u->txn) {
    case TXN_BEGIN:
        lint_report_to(c, to, RULE_TRANSACTION_CONTROL, -1,
                       "%s would start a transaction inside the one this file runs in (%s); "
                       "remove it, wrap the whole file in one BEGIN ... COMMIT, or %s",
                       name, m->model, m->opt_out);
        break;
    case TXN_ROLLBACK:
        if (to == &ts->held && ts->rolled_back) {
            lint_report_to(c, to, RULE_TRANSACTION_CONTROL, -1,
                           "%s undoes everything the file did since its BEGIN at line %d: a "
                           "file-level transaction must end with COMMIT (%s); to try a change "
                           "without keeping it use 'pgward apply --dry-run'",
                           st->parse.nstmts == 1 ? spelled(st, name) : name, ts->begin_line,
                           m->model);
            break;
        }
        /* fall through */
    case TXN_COMMIT:
    case TXN_PREPARE:
        lint_report_to(c, to, RULE_TRANSACTION_CONTROL, -1,
                       "%s would end the transaction this file runs in (%s) and the rest "
                       "would run in another; remove it, wrap the whole file in one BEGIN "
                       "... COMMIT, or %s",
                       st->parse.nstmts == 1 ? spelled(st, name) : name, m->model, m->opt_out);
        break;
    default:
        lint_report_to(c, to, RULE_TRANSACTION_CONTROL, -1,
                       "%s cannot run inside the transaction this file runs in (%s); %s", name,
                       m->model, m->opt_out);
        break;
    }
}

static void *txn_begin(lint_ctx *c)
{
    txn_state *ts = xcalloc(1, sizeof(txn_state));
    ts->model = runner_model_of(c->cfg, c->s);
    ts->possible = true;
    /* psql's autocommit: no file runs in a transaction of its own */
    session_set_autocommit(c->sess, ts->model->how == RUN_AUTOCOMMIT);
    session_set_directive_runner(c->sess, ts->model->honours);
    session_set_bundled(c->sess, c->cfg && c->cfg->bundled);
    return ts;
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

/* Whether st is the file's own, alone and literal: what a pair's edge must be. */
static bool plain_edge(const lint_ctx *c, const stmt_facts *f)
{
    const statement *st = c->st;
    if (f->nunits != 1 || st->parse.nstmts != 1 || !c->s || c->s->nsources == 0 ||
        st->src != c->s->sources[0])
        return false;
    for (size_t i = 0; i < st->nspans; i++)
        if (st->spans[i].substituted)
            return false;
    return true;
}

/* Whether a BEGIN's options hold READ ONLY (apply writes its audit rows in it). */
static bool read_only(const unit_info *u, bool *modes)
{
    const cJSON *it;
    *modes = false;
    cJSON_ArrayForEach(it, field(u->node, PGF_options)) {
        *modes = true;
        const cJSON *d = field(it, PGN_DefElem);
        if (str_is(str_field(d, PGF_defname), "transaction_read_only")) {
            /* {"A_Const": {"ival": {"ival": 1}}}; libpg_query omits a 0 (READ WRITE) */
            const cJSON *iv = field(field(field(d, PGF_arg), PGN_A_Const), PGF_ival);
            const cJSON *v = field(iv, PGF_ival);
            if (!iv || (v && (!cJSON_IsNumber(v) || v->valuedouble != 0)))
                return true; /* read only, or a shape not known: not proven */
        }
    }
    return false;
}

/*
 * Follows the file-level transaction: returns true when the statement's control
 * finding belongs to the pair (held until the end decides).
 */
static bool follow_pair(lint_ctx *c, txn_state *ts)
{
    const statement *st = c->st;
    const stmt_facts *f = c->f;
    size_t n = ts->seen++;
    if (!ts->possible)
        return false;
    if (st->conditional || st->uses_runtime_vars || st->uses_result_vars || f->unparsed ||
        ts->closed) {
        ts->possible = false;
        return false;
    }
    const unit_info *u = f->nunits ? &f->units[0] : NULL;
    bool control = false;
    for (size_t i = 0; i < f->nunits; i++)
        control |= is_control(&f->units[i]);
    if (n == 0) {
        /* a file out of the transaction (a directive, psql's model) runs its BEGIN */
        if (u && u->txn == TXN_BEGIN && !session_file_no_transaction(c->sess) &&
            plain_edge(c, f) && !read_only(u, &ts->modes)) {
            ts->open = true;
            ts->begin_line = st->line;
            return true;
        }
        ts->possible = false;
        return false;
    }
    if (!control)
        return false;
    if (u && (u->txn == TXN_COMMIT || u->txn == TXN_ROLLBACK) && !u->chain &&
        plain_edge(c, f)) {
        ts->closed = true;
        ts->rolled_back = u->txn == TXN_ROLLBACK;
        return true;
    }
    ts->possible = false;
    return false;
}

/* Whether src has a directive beside it (Flyway's .conf) that a bundle leaves out. */
static bool side_file_directive(const source *src)
{
    const txn_directive *d = source_txn_directive(src);
    return d && d->side_file;
}

static void txn_statement(lint_ctx *c, void *state)
{
    txn_state *ts = state;
    const stmt_facts *f = c->f;
    /* lint may begin before it has the script (streaming): an extension script is
       known once its first statement is */
    if (c->s && ts->model != runner_model_of(c->cfg, c->s)) {
        ts->model = runner_model_of(c->cfg, c->s);
        session_set_directive_runner(c->sess, ts->model->honours);
    }
    const runner_model *m = ts->model;
    bool edge = follow_pair(c, ts);
    if (f->unparsed || f->nunits == 0)
        return;
    if (!session_file_no_transaction(c->sess)) {
        for (size_t u = 0; u < f->nunits; u++) {
            if (is_control(&f->units[u])) {
                /* inside one multi-statement query BEGIN ... COMMIT take the implicit
                   transaction over: nothing to say */
                if (m->how != RUN_ONE_QUERY)
                    check_control(c, ts, edge ? &ts->held : &c->s->findings,
                                  &f->units[u]); /* one finding per statement */
                return;
            }
        }
        severity sev;
        if (ts->what && session_in_block(c->sess) && strstr(ts->what, "CONCURRENTLY") &&
            rules_severity(c->cfg, RULE_CONCURRENTLY_IN_TRANSACTION, &sev))
            return; /* one problem, one finding: concurrently-in-transaction says it */
        if (ts->what && session_in_block(c->sess))
            /* the script's own block: leaving the runner's transaction is not enough */
            lint_report(c, RULE_NO_TRANSACTION_REQUIRED, -1,
                        "%s cannot run inside the transaction block begun at line %d; move it "
                        "out of BEGIN ... COMMIT into a file of its own%s%s",
                        ts->what, session_block_start(c->sess).line,
                        m->how == RUN_FILE_TXN ? ", then " : "",
                        m->how == RUN_FILE_TXN ? m->opt_out : "");
        else if (ts->what && c->cfg && c->cfg->bundled && side_file_directive(c->st->src))
            lint_report(c, RULE_NO_TRANSACTION_REQUIRED, -1,
                        "%s cannot run inside a transaction block (%s); the script's .sql.conf "
                        "says executeInTransaction=false, but a bundle does not carry it: mark "
                        "the file '-- pgward:no-transaction' too",
                        ts->what, m->model);
        else if (ts->what)
            lint_report_to(c, m->how == RUN_ONE_QUERY ? &ts->single : &c->s->findings,
                           RULE_NO_TRANSACTION_REQUIRED, -1,
                           "%s cannot run inside a transaction block (%s); %s", ts->what,
                           m->model, m->opt_out);
        return;
    }
    const txn_directive *d = session_file_directive(c->sess);
    if (!d) /* the runner's own model: nothing was asked of this file */
        return;
    if (ts->what && m->one_query && !session_in_block(c->sess)) {
        /* held: one statement alone in its file runs outside any transaction */
        lint_report_to(c, &ts->single, RULE_NO_TRANSACTION_REQUIRED, -1,
                       "%s cannot run inside a transaction block (%s); move it to a file of "
                       "its own",
                       ts->what, m->one_query);
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
                "file %s also holds statements that could run in a transaction: they run "
                "one by one, without the all-or-nothing guarantee; move them to a file "
                "without the directive",
                d->named);
}

/* Whether the script ran only meta-commands that run no SQL and choose nothing. */
static bool quiet_script(const script *s)
{
    if (s->nmetas >= 64) /* the list is cut there: what else ran is not known */
        return false;
    for (size_t i = 0; i < s->nmetas; i++) {
        bool quiet = false;
        for (size_t k = 0; k < ARRAY_SIZE(quiet_metas) && !quiet; k++)
            quiet = strcmp(s->metas[i], quiet_metas[k]) == 0;
        if (!quiet)
            return false;
    }
    return true;
}

bool txn_file_level(const script *s)
{
    return s && s->nstmts >= 2 && s->nstmts == s->nread &&
           (s->stmts[0].file_txn == FILE_TXN_BEGIN ||
            s->stmts[0].file_txn == FILE_TXN_BEGIN_MODES) &&
           s->stmts[s->nstmts - 1].file_txn == FILE_TXN_COMMIT;
}

static void txn_end(lint_ctx *c, void *state)
{
    txn_state *ts = state;
    bool file_level = ts->possible && ts->open && ts->closed && !ts->rolled_back &&
                      quiet_script(c->s);
    if (file_level) {
        finding_list_free(&ts->held);
        /* apply runs the file without its pair (every statement kept: lint_file_keeping) */
        script *s = c->s;
        if (s->nstmts == s->nread && s->nstmts >= 2) {
            s->stmts[0].file_txn = ts->modes ? FILE_TXN_BEGIN_MODES : FILE_TXN_BEGIN;
            s->stmts[s->nstmts - 1].file_txn = FILE_TXN_COMMIT;
        }
    } else {
        lint_keep(c, &ts->held);
    }
    if (c->s->nread > 1)
        lint_keep(c, &ts->single);
}

static void txn_free(void *state)
{
    txn_state *ts = state;
    free(ts->warned);
    finding_list_free(&ts->held);
    finding_list_free(&ts->single);
    free(ts);
}

const lint_checker txn_checker = {.begin = txn_begin,
                                  .unit = txn_unit,
                                  .statement = txn_statement,
                                  .end = txn_end,
                                  .free = txn_free};
