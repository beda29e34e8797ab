/*
 * gate_security.h: the gate's security rules (gate_security.c): rls-required,
 * security-definer-search-path and grant-to-public, over a whole script.
 */
#ifndef PGWARD_GATE_SECURITY_H
#define PGWARD_GATE_SECURITY_H

#include "policy/policy.h"
#include "script/script.h"


typedef struct gate_ctx {
    const policy *p;
    script *s;
} gate_ctx;

/* Adds the security findings for script s to s->findings; g->p may be NULL (no
   sensitive patterns then: rls-required only for tables the script marks). */
void gate_check_security(const gate_ctx *g);

#endif
