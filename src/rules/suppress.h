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

typedef struct suppressions suppressions;

/* Reading as a stream: begin; each statement as it passes (the comments up to its
   end); end, once every check has reported (the rest of each file, then the
   findings the suppressions cover removed and their own problems added). */
suppressions *suppress_begin(void);
void suppress_statement(suppressions *sp, const lint_config *cfg, script *s,
                        const statement *st);
void suppress_end(suppressions *sp, const lint_config *cfg, script *s);

/* All of it over the statements s kept. */
void suppress_apply(const lint_config *cfg, script *s);

#endif
