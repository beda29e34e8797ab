/*
 * rules.c: the rule registry at run time; see rules.h. The table itself is
 * generated from rules/<id>.md (cmake/gen_rules.cmake).
 */
#include "rules/rules.h"

#include <string.h>

size_t rules_count(void)
{
    return RULE_COUNT;
}

const rule_def *rules_at(size_t i)
{
    return i < RULE_COUNT ? &rule_defs[i] : NULL;
}

const rule_def *rules_find(const char *id)
{
    rule_id r = rule_lookup(id);
    return r < RULE_COUNT ? &rule_defs[r] : NULL;
}

const char *rules_group_name(rule_group g)
{
    static const char *const names[] = {"front end", "policy", "transaction", "migration",
                                        "security", "suppression"};
    return (size_t)g < ARRAY_SIZE(names) ? names[g] : "?";
}

bool rules_severity(const lint_config *cfg, rule_id id, severity *sev)
{
    if ((unsigned)id >= RULE_COUNT)
        return false;
    const rule_def *r = &rule_defs[id];
    *sev = r->sev;
    const policy *p = cfg ? cfg->policy : NULL;
    for (size_t i = 0; p && i < p->nrules; i++) {
        if (p->rules[i].id == id) {
            *sev = p->rules[i].sev;
            return !p->rules[i].off;
        }
    }
    return !r->opt_in;
}
