/*
 * lint.c: the one pass of every check over a script; see lint.h.
 */
#include "rules/lint.h"
#include "rules/txn_rules.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "policy/pinned.h"
#include "rules/checks.h"
#include "rules/suppress.h"

static const lint_checker *const checkers[LINT_NMODULES] = {
    [LINT_GATE] = &gate_checker,
    [LINT_GATE_COVERAGE] = &gate_coverage_checker,
    [LINT_GATE_SECURITY] = &gate_security_checker,
    [LINT_TXN] = &txn_checker,
    [LINT_LOCKING] = &locking_checker,
    [LINT_DESIGN] = &design_checker,
    [LINT_SECURITY] = &security_checker,
    [LINT_UNQUALIFIED] = &unqualified_checker,
};

typedef struct lint_run {
    lint_ctx c;
    unsigned mask;
    suppressions *sup;    /* NULL: no suppressions (lint_check_modules) */
    bool keep;            /* statements are kept without their trees (lint_file_keeping):
                             what apply needs of the tree is read from the facts */
    bool outside;         /* the last statement: txn_facts_outside_block() */
    char *resume;         /* the last statement: txn_facts_resume_check() */
} lint_run;

static lint_run *run_of(lint_ctx *c)
{
    return (lint_run *)c; /* c is the first member */
}

static lint_ctx *begin(const lint_config *cfg, const policy_role *role, script *s,
                       unsigned mask, bool suppress)
{
    lint_run *r = xcalloc(1, sizeof(*r));
    lint_ctx *c = &r->c;
    c->cfg = cfg;
    c->role = cfg->policy ? role : NULL;
    c->s = s;
    c->sess = session_new();
    if (!c->role)
        mask &= ~(1u << LINT_GATE | 1u << LINT_GATE_COVERAGE);
    /* apply pins a restricted role's search_path before the first statement */
    if (c->role && c->role->restricted)
        session_pin_search_path(c->sess, policy_pinned_search_path(cfg->policy));
    r->mask = mask;
    r->sup = suppress ? suppress_begin() : NULL;
    for (int m = 0; m < LINT_NMODULES; m++) {
        c->module = (lint_module)m;
        if ((mask & (1u << m)) && checkers[m]->begin)
            c->state[m] = checkers[m]->begin(c);
    }
    return c;
}

lint_ctx *lint_begin(const lint_config *cfg, const policy_role *role, script *s)
{
    return begin(cfg, role, s, LINT_ALL, true);
}

void lint_statement(lint_ctx *c, const statement *st)
{
    lint_run *r = run_of(c);
    c->st = st;
    if (r->sup)
        suppress_statement(r->sup, c->cfg, c->s, st);
    c->f = analyze_begin(c->sess, st);
    for (size_t u = 0; u < c->f->nunits; u++) {
        c->unit = u;
        analyze_unit(c->f, u);
        for (int m = 0; m < LINT_NMODULES; m++) {
            c->module = (lint_module)m;
            if ((r->mask & (1u << m)) && checkers[m]->unit)
                checkers[m]->unit(c, c->state[m]);
        }
        session_advance(c->sess, c->f, u);
    }
    for (int m = 0; m < LINT_NMODULES; m++) {
        c->module = (lint_module)m;
        if ((r->mask & (1u << m)) && checkers[m]->statement)
            checkers[m]->statement(c, c->state[m]);
    }
    if (r->keep) {
        free(r->resume);
        r->outside = txn_facts_outside_block(c->f);
        r->resume = r->outside ? txn_facts_resume_check(c->f) : NULL;
    }
    facts_free(c->f);
    c->f = NULL;
    c->st = NULL;
}

void lint_end(lint_ctx *c)
{
    lint_run *r = run_of(c);
    for (int m = 0; m < LINT_NMODULES; m++) {
        c->module = (lint_module)m;
        if ((r->mask & (1u << m)) && checkers[m]->end)
            checkers[m]->end(c, c->state[m]);
        if ((r->mask & (1u << m)) && checkers[m]->free)
            checkers[m]->free(c->state[m]);
    }
    if (r->sup)
        suppress_end(r->sup, c->cfg, c->s);
    session_free(c->sess);
    free(r->resume);
    free(r);
}

void lint_check_modules(const lint_config *cfg, const policy_role *role, script *s,
                        unsigned mask)
{
    lint_ctx *c = begin(cfg, role, s, mask, false);
    for (size_t i = 0; i < s->nstmts; i++)
        lint_statement(c, &s->stmts[i]);
    lint_end(c);
}

void lint_check_script(const lint_config *cfg, const policy_role *role, script *s)
{
    lint_ctx *c = begin(cfg, role, s, LINT_ALL, true);
    for (size_t i = 0; i < s->nstmts; i++)
        lint_statement(c, &s->stmts[i]);
    lint_end(c);
}

/* The sink of a streaming read: each statement checked as soon as it is read. */
static void on_statement(void *ctx, script *s, const statement *st)
{
    lint_ctx *c = ctx;
    c->s = s;
    lint_statement(c, st);
}

/* The same, keeping each statement without its parse tree (lint_file_keeping). */
static void on_statement_keep(void *ctx, script *s, const statement *st)
{
    on_statement(ctx, s, st);
    lint_run *r = run_of(ctx);
    statement *kept = &s->stmts[s->nstmts - 1];
    kept->outside_txn_block = r->outside;
    kept->resume_check = r->resume;
    r->resume = NULL;
    parsed_sql_drop_tree(&kept->parse);
}

static script *lint_stream(const lint_config *cfg, const policy_role *role, const char *path,
                           const script_options *opt, bool keep)
{
    lint_ctx *c = lint_begin(cfg, role, NULL);
    run_of(c)->keep = keep;
    script_sink sink = {
        .ctx = c, .statement = keep ? on_statement_keep : on_statement, .keep = keep};
    script_options o = *opt;
    o.sink = &sink;
    script *s = script_read_file(path, &o);
    c->s = s;
    lint_end(c);
    return s;
}

script *lint_file(const lint_config *cfg, const policy_role *role, const char *path,
                  const script_options *opt)
{
    return lint_stream(cfg, role, path, opt, false);
}

script *lint_file_keeping(const lint_config *cfg, const policy_role *role, const char *path,
                          const script_options *opt)
{
    return lint_stream(cfg, role, path, opt, true);
}

