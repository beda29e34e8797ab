/*
 * rules_locking.h: migration safety: locks, table rewrites and destructive DDL (rules_locking.c); the rule ids and summaries are in rules.c, the
 * docs in rules/<id>.md.
 */
#ifndef PGWARD_RULES_LOCKING_H
#define PGWARD_RULES_LOCKING_H

#include "rules/rules.h"
#include "script/script.h"

/* Adds this group's findings for script s (severities through lint_report). */
void locking_check_script(const lint_config *cfg, script *s);

#endif
