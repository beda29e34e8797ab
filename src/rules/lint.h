/*
 * lint.h: every check pgward runs over a script, in one call, for lint, bundle
 * and apply alike.
 *
 *   lint_config cfg = {.policy = pol, .pg_version = 15};
 *   lint_check_script(&cfg, role, s);    // findings land in s->findings
 *
 * In order: the policy gate (with a policy and a role), the transaction rules,
 * the migration-safety rules (rules_locking.h, rules_design.h), the security rules
 * (rules_security.h), then the suppressions (suppress.h), which may remove
 * findings and add their own. Severities come from rules_severity().
 */
#ifndef PGWARD_LINT_H
#define PGWARD_LINT_H

#include "policy/policy.h"
#include "rules/rules.h"
#include "script/script.h"

void lint_check_script(const lint_config *cfg, const policy_role *role, script *s);

/*
 * Adds a finding of rule id about statement st of s, at text offset text_loc of the
 * statement (-1: its start), at the severity rules_severity() gives (nothing when the
 * rule is off), with the statement's text attached. For the rule modules.
 */
void lint_report(const lint_config *cfg, script *s, const statement *st, rule_id id,
                 long text_loc, const char *fmt, ...) PRINTF_LIKE(6, 7);

#endif
