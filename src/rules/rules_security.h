/*
 * rules_security.h: the security rules pgspot checks, adapted to migration scripts
 * (rules_security.c): function-search-path, create-or-replace-foreign,
 * unqualified-in-security-definer, unsafe-search-path, extension-in-public,
 * policy-always-true and rls-without-policy. They need no policy and apply to every
 * role; security-definer-search-path, rls-required and grant-to-public are the
 * policy gate's (gate_security.h). The rule ids and summaries are in rules.c, the
 * docs in rules/<id>.md.
 *
 *   lint_config cfg = {.policy = NULL, .pg_version = 15};
 *   security_check_script(&cfg, s);   // findings land in s->findings
 */
#ifndef PGWARD_RULES_SECURITY_H
#define PGWARD_RULES_SECURITY_H

#include "rules/rules.h"
#include "script/script.h"

/* Adds this group's findings for script s (severities through lint_report). */
void security_check_script(const lint_config *cfg, script *s);

#endif
