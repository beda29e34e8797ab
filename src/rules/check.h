/*
 * check.h: what a check module sees and how it reports: the interface between the
 * modules (gate.c, gate_security.c, txn_rules.c, rules_locking.c, rules_design.c,
 * rules_security.c, rules_unqualified.c) and the pass that runs them (lint.c), so
 * that neither needs the other's insides.
 *
 * A module is a lint_checker: its state for a script (begin, free), what it does
 * for each unit of a statement (before the session advances past it), for each
 * statement, and at the end of the script; it reads c->f (the statement's facts)
 * and c->sess (the session in force) and reports with lint_report().
 */
#ifndef PGWARD_CHECK_H
#define PGWARD_CHECK_H

#include "analyze/analyze.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "script/script.h"

/* The check modules (a bit each, for lint_check_modules). */
typedef enum lint_module {
    LINT_GATE,          /* the policy gate (needs a policy and a role) */
    LINT_GATE_COVERAGE, /* unproven: the edge of the gate's model (needs a role) */
    LINT_GATE_SECURITY, /* rls-required, security-definer-search-path, grant-to-public */
    LINT_TXN,           /* what pgward apply runs in a transaction */
    LINT_LOCKING,       /* locks, rewrites, destructive DDL */
    LINT_DESIGN,        /* types, names, re-runnability, DML without WHERE */
    LINT_SECURITY,      /* search_path, SECURITY DEFINER bodies, RLS policies */
    LINT_UNQUALIFIED,   /* names left to an unpinned search_path (extension scripts) */
    LINT_NMODULES,
} lint_module;

#define LINT_ALL ((1u << LINT_NMODULES) - 1)

/* What a check sees: the run, the script, the session, the statement's facts. */
typedef struct lint_ctx {
    const lint_config *cfg;
    const policy_role *role;  /* NULL: no policy gate */
    script *s;                /* findings land in s->findings */
    session *sess;            /* the state before the unit being checked */
    stmt_facts *f;            /* the statement being checked */
    const statement *st;
    size_t unit;              /* the unit being checked */
    lint_module module;       /* the module running (orders findings at one place) */
    unsigned long seq;        /* findings reported so far (their order at one place) */
    void *state[LINT_NMODULES];
} lint_ctx;

/* One check module: its state for a script, and what it does when. */
typedef struct lint_checker {
    void *(*begin)(lint_ctx *c);
    void (*unit)(lint_ctx *c, void *state);      /* each unit, before the session advances */
    void (*statement)(lint_ctx *c, void *state); /* each statement, after its units */
    void (*end)(lint_ctx *c, void *state);       /* the end of the script */
    void (*free)(void *state);
} lint_checker;

/*
 * Adds a finding of rule id about the statement being checked, at text offset
 * text_loc of its text (-1: its start), at the severity rules_severity() gives
 * (nothing when the rule is off), with the statement's text attached.
 */
void lint_report(lint_ctx *c, rule_id id, long text_loc, const char *fmt, ...) PRINTF_LIKE(4, 5);

/* The same into another list (findings a module holds until it can decide). */
void lint_report_to(lint_ctx *c, finding_list *to, rule_id id, long text_loc, const char *fmt,
                    ...) PRINTF_LIKE(5, 6);

/* Moves the findings of from into the script's (from is left empty). */
void lint_keep(lint_ctx *c, finding_list *from);

/*
 * What a script is for, where that changes what is worth saying: an extension's
 * script (script.extension: its name NAME--VERSION.sql or NAME--FROM--TO.sql, as
 * CREATE EXTENSION finds them, its guard, its placeholders, --profile; it runs in
 * a schema the user picks, c->s->extschema stands for it) or, by its top-level
 * file's name, a rollback
 * script (golang-migrate's and pop's NAME.down.sql, a file in Sqitch's revert/
 * folder: dropping what the migration created is its purpose).
 */
typedef enum script_kind { SCRIPT_MIGRATION, SCRIPT_EXTENSION, SCRIPT_ROLLBACK } script_kind;
script_kind lint_script_kind(const script *s);

#endif
