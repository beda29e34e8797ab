/*
 * lint.h: every check pgward runs over a script, in one pass over its statements,
 * for lint, bundle and apply alike.
 *
 *   lint_config cfg = {.policy = pol, .pg_version = PGWARD_GRAMMAR_MAJOR};
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

#include "rules/check.h"

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

/*
 * The same, keeping every statement (s->stmts: its text, origin, kind and how
 * many raw statements it holds) but not its parse tree, which is freed once its
 * checks have run: for apply, which runs the statements and never walks them.
 */
script *lint_file_keeping(const lint_config *cfg, const policy_role *role, const char *path,
                          const script_options *opt);

/* The streaming form: begin, each statement in order, end (suppressions included). */
lint_ctx *lint_begin(const lint_config *cfg, const policy_role *role, script *s);
void lint_statement(lint_ctx *c, const statement *st);
void lint_end(lint_ctx *c);

#endif
