/*
 * query.h: what a policy says a role may do, the one answer the static gate
 * (rules/gate.c), pgward verify and pgward stage all ask for, so they cannot drift.
 *
 *   unsigned may = policy_table_classes(p, role, "eng", "projects");
 *   if (!(may & CLASS_DELETE)) ... not allowed ...
 *
 * A grant names a family (every schema of it), a schema, or a table. A restricted
 * role may only read a protected schema (one only pgward writes), whatever its
 * grants say.
 */
#ifndef PGWARD_POLICY_QUERY_H
#define PGWARD_POLICY_QUERY_H

#include <stdbool.h>

#include "policy/policy.h"

/* The classes role r may run on schema itself (family and schema grants). */
unsigned policy_schema_classes(const policy *p, const policy_role *r, const char *schema);

/* The classes r may run on schema.table; table NULL: on some table of schema. */
unsigned policy_table_classes(const policy *p, const policy_role *r, const char *schema,
                              const char *table);

/* Whether r may call fn: "schema.f" exactly, or an unqualified "f" that names an
   allowlisted function of any schema. */
bool policy_function_allowed(const policy_role *r, const char *fn);

/* Whether r may call schema.name (name NULL: some function of schema). */
bool policy_function_allowed_in(const policy_role *r, const char *schema, const char *name);

/* Whether r has ddl on some family. */
bool policy_ddl_on_some_family(const policy_role *r);

/* Whether schema is written only by pgward. */
bool policy_is_protected(const policy *p, const char *schema);

/* Whether a family is isolated from the others. */
bool policy_is_isolated(const policy *p, const char *family);

/* The isolated family (index into p->isolated) schema belongs to, or -1. */
int policy_isolated_index(const policy *p, const char *schema);

/* Whether schema is a bridge, and whether it may read family. */
bool policy_is_bridge(const policy *p, const char *schema);
bool policy_bridge_reads(const policy *p, const char *schema, const char *family);

/* Whether the policy names schema as one of its own: a family's (by name or
   pattern), a bridge or a protected schema. */
bool policy_names_schema(const policy *p, const char *schema);

/* The automation role: the policy's default role, else the first role with a
   lifetime, else NULL. */
const policy_role *policy_automation_role(const policy *p);

/* The role that owns the families' schemas: the first unrestricted role, or NULL. */
const policy_role *policy_owner_role(const policy *p);

#endif
