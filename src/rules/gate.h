/*
 * gate.h: the policy gate: prove each statement allowed for the role that runs it.
 *
 * The gate (gate_checker, run by lint.h) reads each statement's facts and reports
 * everything the policy does not allow:
 *   role-allowlist        the role lacks a grant for what the statement does; for a
 *                         restricted role also whatever cannot be proven (a statement
 *                         that does not parse, DO blocks, server files and programs,
 *                         dangerous built-ins, functions not allowlisted); writes to
 *                         schemas only pgward may write
 *   no-identity-change    a restricted role changes who it is or what it may do
 *   cross-boundary-write  a statement writes one isolated family while reading another
 *   rls-required, security-definer-search-path, grant-to-public: gate_security.c
 * Severities come from the policy (`rule ID error|warning|info|off`). Unrestricted
 * roles are not held to their grants; isolation and protected schemas still apply.
 */
#ifndef PGWARD_GATE_H
#define PGWARD_GATE_H

#include "rules/lint.h"

/* The gate and its security rules alone over script s (apply checks a statement
   again once its run-time values are known). */
void gate_check_script(const policy *p, const policy_role *role, script *s);

#endif
