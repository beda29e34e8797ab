/*
 * rules_design.h: migration safety about what a script defines and how it runs:
 * column types (prefer-bigint, prefer-identity, prefer-text, prefer-timestamptz,
 * ban-char-type), names (identifier-too-long, require-schema), enum order,
 * duplicate column assignments, re-runnability (not-idempotent), BEGIN/COMMIT
 * balance (nested-transaction, unterminated-transaction) and DML without WHERE.
 * The checks are in rules_design.c (its header comment lists what each rule
 * reports); ids and summaries in rules.c, docs in rules/<id>.md.
 *
 *   lint_config cfg = {.policy = pol, .pg_version = 15};
 *   design_check_script(&cfg, s);        // findings land in s->findings
 */
#ifndef PGWARD_RULES_DESIGN_H
#define PGWARD_RULES_DESIGN_H

#include "rules/rules.h"
#include "script/script.h"

/* Adds this group's findings for script s (severities through lint_report). */
void design_check_script(const lint_config *cfg, script *s);

#endif
