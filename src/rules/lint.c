/*
 * lint.c: the one entry point to every check; see lint.h.
 */
#include "rules/lint.h"

#include <stdarg.h>
#include <stdlib.h>

#include "rules/gate.h"
#include "rules/gate_security.h"
#include "rules/rules_design.h"
#include "rules/rules_locking.h"
#include "rules/rules_security.h"
#include "rules/suppress.h"
#include "rules/txn_rules.h"
#include "base/util.h"

void lint_check_script(const lint_config *cfg, const policy_role *role, script *s)
{
    if (cfg->policy && role) {
        gate_check_script(cfg->policy, role, s);
    } else {
        /* without a policy: its security rules that need none (SECURITY DEFINER
           search_path, grants to PUBLIC; rls-required has no patterns to match) */
        gate_ctx g = {.p = NULL, .s = s};
        gate_check_security(&g);
    }
    txn_check_script(cfg->policy, s);
    locking_check_script(cfg, s);
    design_check_script(cfg, s);
    security_check_script(cfg, s);
    suppress_apply(cfg, s);
}

void lint_report(const lint_config *cfg, script *s, const statement *st, rule_id id,
                 long text_loc, const char *fmt, ...)
{
    severity sev;
    if (!rules_severity(cfg, id, &sev))
        return;
    size_t at = text_loc >= 0 ? statement_source_offset(st, (size_t)text_loc) : st->offset;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(&s->findings, sev, id, st->src, st->src->name, at, 0, "%s", msg);
    finding_set_statement(&s->findings, st->text);
    free(msg);
}
