/*
 * checks.h: the check modules lint.c runs (one lint_checker each; check.h says
 * what they see).
 */
#ifndef PGWARD_CHECKS_H
#define PGWARD_CHECKS_H

#include "rules/check.h"

extern const lint_checker gate_checker;          /* gate.c */
extern const lint_checker gate_coverage_checker; /* gate_coverage.c */
extern const lint_checker gate_security_checker; /* gate_security.c */
extern const lint_checker txn_checker;           /* txn_rules.c */
extern const lint_checker locking_checker;       /* rules_locking.c */
extern const lint_checker design_checker;        /* rules_design.c */
extern const lint_checker security_checker;      /* rules_security.c */
extern const lint_checker unqualified_checker;   /* rules_unqualified.c */

#endif
