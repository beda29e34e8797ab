/*
 * query.c: what a policy allows a role; see query.h.
 */
#include "policy/query.h"

#include <string.h>

#include "base/util.h"

/* Whether "schema.name" target names schema and (name NULL: any) name. */
static bool target_is(const char *target, const char *schema, const char *name)
{
    size_t ls = strlen(schema);
    return strncmp(target, schema, ls) == 0 && target[ls] == '.' &&
           (!name || strcmp(target + ls + 1, name) == 0);
}

bool policy_is_protected(const policy *p, const char *schema)
{
    return str_list_has(p->protected_schemas, p->nprotected, schema);
}

unsigned policy_schema_classes(const policy *p, const policy_role *r, const char *schema)
{
    const policy_family *fam = policy_family_of(p, schema);
    unsigned bits = 0;
    for (size_t i = 0; i < r->ngrants; i++) {
        const policy_grant *g = &r->grants[i];
        if ((g->target_kind == TARGET_FAMILY && fam && strcmp(fam->name, g->target) == 0) ||
            (g->target_kind == TARGET_SCHEMA && strcmp(g->target, schema) == 0))
            bits |= g->classes;
    }
    if (r->restricted && policy_is_protected(p, schema))
        bits &= CLASS_SELECT;
    return bits;
}

unsigned policy_table_classes(const policy *p, const policy_role *r, const char *schema,
                              const char *table)
{
    unsigned bits = 0;
    for (size_t i = 0; i < r->ngrants; i++) {
        const policy_grant *g = &r->grants[i];
        if (g->target_kind == TARGET_TABLE && target_is(g->target, schema, table))
            bits |= g->classes;
    }
    if (r->restricted && policy_is_protected(p, schema))
        bits &= CLASS_SELECT;
    return policy_schema_classes(p, r, schema) | bits;
}

bool policy_function_allowed(const policy_role *r, const char *fn)
{
    for (size_t i = 0; i < r->nfunctions; i++) {
        if (strcmp(r->functions[i], fn) == 0)
            return true;
        /* an unqualified call matches an allowlisted function of that name */
        const char *dot = strchr(r->functions[i], '.');
        if (!strchr(fn, '.') && dot && strcmp(dot + 1, fn) == 0)
            return true;
    }
    return false;
}

bool policy_function_allowed_in(const policy_role *r, const char *schema, const char *name)
{
    for (size_t i = 0; i < r->nfunctions; i++)
        if (target_is(r->functions[i], schema, name))
            return true;
    return false;
}

bool policy_ddl_on_some_family(const policy_role *r)
{
    for (size_t i = 0; i < r->ngrants; i++)
        if (r->grants[i].target_kind == TARGET_FAMILY && (r->grants[i].classes & CLASS_DDL))
            return true;
    return false;
}

bool policy_is_isolated(const policy *p, const char *family)
{
    return str_list_has(p->isolated, p->nisolated, family);
}

int policy_isolated_index(const policy *p, const char *schema)
{
    const policy_family *f = policy_family_of(p, schema);
    for (size_t i = 0; f && i < p->nisolated; i++)
        if (strcmp(p->isolated[i], f->name) == 0)
            return (int)i;
    return -1;
}

bool policy_is_bridge(const policy *p, const char *schema)
{
    for (size_t i = 0; i < p->nbridges; i++)
        if (strcmp(p->bridges[i].schema, schema) == 0)
            return true;
    return false;
}

bool policy_bridge_reads(const policy *p, const char *schema, const char *family)
{
    for (size_t i = 0; i < p->nbridges; i++)
        if (strcmp(p->bridges[i].schema, schema) == 0 &&
            str_list_has(p->bridges[i].families, p->bridges[i].nfamilies, family))
            return true;
    return false;
}

bool policy_names_schema(const policy *p, const char *schema)
{
    if (!p || !schema)
        return false;
    return policy_family_of(p, schema) || policy_is_bridge(p, schema) ||
           policy_is_protected(p, schema);
}

const policy_role *policy_automation_role(const policy *p)
{
    if (p->default_role)
        return policy_find_role(p, p->default_role);
    for (size_t i = 0; i < p->nroles; i++)
        if (p->roles[i].lifetime_seconds > 0)
            return &p->roles[i];
    return NULL;
}

const policy_role *policy_owner_role(const policy *p)
{
    for (size_t i = 0; i < p->nroles; i++)
        if (!p->roles[i].restricted)
            return &p->roles[i];
    return NULL;
}
