/*
 * suppress.h: `-- pgward-ignore RULE[, RULE]: reason` (the next statement) and
 * `-- pgward-ignore-file RULE[, RULE]: reason` (the whole file) comments.
 *
 * suppress_apply() removes the findings they suppress and adds findings about the
 * suppressions themselves: suppression-without-reason, unknown-rule (a typo must
 * never silence a whole file) and unused-suppression.
 */
#ifndef PGWARD_SUPPRESS_H
#define PGWARD_SUPPRESS_H

#include "rules/rules.h"
#include "script/script.h"

void suppress_apply(const lint_config *cfg, script *s);

#endif
