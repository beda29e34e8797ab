/*
 * lint.h: every check pgward runs over a script, in one pass over its statements,
 * for lint, bundle and apply alike.
 *
 *   lint_config cfg = {.policy = pol, .pg_version = 15};
 *   lint_check_script(&cfg, role, s);    // findings land in s->findings
 *
 * Each statement is analysed once (analyze.h): its units walked against the
 * session in force, each check module shown the facts, then the session advanced.
 * The modules, in order: the policy gate (gate.c, with a policy and a role), the
 * gate's security rules (gate_security.c), the transaction rules (txn_rules.c),
 * the migration-safety rules (rules_locking.c, rules_design.c), the security rules
 * (rules_security.c); at the end of the script each reports what it could only
 * decide then, and the suppressions (suppress.h) remove and add findings.
 * Severities come from rules_severity().
 *
 * A streaming reader hands statements one at a time (lint_begin, lint_statement,
 * lint_end): nothing about a statement is kept after it but the session and the
 * findings.
 */
#ifndef PGWARD_LINT_H
#define PGWARD_LINT_H

#include "analyze/analyze.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "script/script.h"

/* The check modules (a bit each, for lint_check_modules). */
typedef enum lint_module {
    LINT_GATE,          /* the policy gate (needs a policy and a role) */
    LINT_GATE_SECURITY, /* rls-required, security-definer-search-path, grant-to-public */
    LINT_TXN,           /* what pgward apply runs in a transaction */
    LINT_LOCKING,       /* locks, rewrites, destructive DDL */
    LINT_DESIGN,        /* types, names, re-runnability, DML without WHERE */
    LINT_SECURITY,      /* search_path, SECURITY DEFINER bodies, RLS policies */
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

/* Runs every check over s (the modules of LINT_ALL, then the suppressions). */
void lint_check_script(const lint_config *cfg, const policy_role *role, script *s);

/* Runs only the modules in mask (1u << LINT_*), without suppressions (tests). */
void lint_check_modules(const lint_config *cfg, const policy_role *role, script *s,
                        unsigned mask);

/*
 * Reads path (script.h) and runs every check statement by statement as it is read,
 * the suppressions included: nothing of a statement is kept after its checks but
 * its findings (in the returned script, with its sources; s->nread statements).
 */
script *lint_file(const lint_config *cfg, const policy_role *role, const char *path,
                  const script_options *opt);

/* The streaming form: begin, each statement in order, end (suppressions included). */
lint_ctx *lint_begin(const lint_config *cfg, const policy_role *role, script *s);
void lint_statement(lint_ctx *c, const statement *st);
void lint_end(lint_ctx *c);

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

#endif
