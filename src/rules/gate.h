/*
 * gate.h: the policy gate: prove each statement allowed for the role that runs it.
 *
 * gate_check_script() analyses a script's statements in order (analyze.h) and
 * adds a finding for everything the policy does not allow:
 *   role-allowlist        the role lacks a grant for what the statement does; for a
 *                         restricted role also whatever cannot be proven (a statement
 *                         that does not parse, DO blocks, server files and programs,
 *                         dangerous built-ins, functions not allowlisted); writes to
 *                         schemas only pgward may write
 *   no-identity-change    a restricted role changes who it is or what it may do
 *   cross-boundary-write  a statement writes one isolated family while reading another
 *   rls-required, security-definer-search-path, grant-to-public: gate_security.h
 * Severities come from the policy (`rule ID error|warning|info|off`). Unrestricted
 * roles are not held to their grants; isolation and protected schemas still apply.
 */
#ifndef PGWARD_GATE_H
#define PGWARD_GATE_H

#include "policy/policy.h"
#include "script/script.h"


/*
 * Adds a finding of rule about statement st of script s, at text offset text_loc of
 * the statement (-1: its start), with the severity the policy gives the rule (none
 * when the policy turns it off). Shared by gate.c and gate_security.c.
 */
void gate_report(const policy *p, script *s, const statement *st, rule_id rule,
                 long text_loc, const char *fmt, ...) PRINTF_LIKE(6, 7);

/* Adds the gate's findings for script s run as role to s->findings. */
void gate_check_script(const policy *p, const policy_role *role, script *s);

#endif
