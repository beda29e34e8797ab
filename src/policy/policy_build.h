/*
 * policy_build.h: what the policy grammar (grammar/policy_parse.y) calls while it
 * parses; internal to policy.c and the generated parser. Each call records one
 * declaration with its location; problems are reported with policy_error() and
 * the first one wins.
 */
#ifndef PGWARD_POLICY_BUILD_H
#define PGWARD_POLICY_BUILD_H

#include "policy/policy.h"
#include "base/util.h"

typedef struct policy_loc {
    int line, column;
} policy_loc;

/* A list of names with where each was written. */
typedef struct name_list {
    char **names;
    policy_loc *locs;
    size_t count, cap;
} name_list;

name_list *name_list_new(char *first, policy_loc loc);
name_list *name_list_add(name_list *l, char *name, policy_loc loc);
void name_list_free(name_list *l);

typedef struct policy_builder {
    policy *p;
    const char *file;
    char *error;          /* the first error, "file:line:col: message" */
    policy_family *family; /* the family or role being declared */
    policy_role *role;
    policy_loc default_role_loc;
    bool no_files;            /* a bundle's policy: approver keys only inline */
    name_list *family_refs;   /* families named by isolate, bridge and grants ... */
    const char **ref_where;   /* ... and where ("isolate", "bridge", "grant") */
    size_t capwhere;
} policy_builder;

void policy_error(policy_builder *b, policy_loc at, const char *fmt, ...) PRINTF_LIKE(3, 4);

void pb_family_begin(policy_builder *b, char *name, policy_loc at);
void pb_family_schemas(policy_builder *b, name_list *schemas);
void pb_family_pattern(policy_builder *b, char *pattern, policy_loc at);
void pb_isolate(policy_builder *b, name_list *families);
void pb_bridge(policy_builder *b, char *schema, policy_loc at, name_list *families);
void pb_protect(policy_builder *b, name_list *schemas);
void pb_require_extensions(policy_builder *b, name_list *extensions);
void pb_sensitive(policy_builder *b, bool column, char *pattern, policy_loc at);
void pb_role_begin(policy_builder *b, char *name, policy_loc at);
void pb_role_restricted(policy_builder *b, bool restricted);
void pb_role_lifetime(policy_builder *b, char *duration, policy_loc at);
void pb_role_grant(policy_builder *b, name_list *classes, grant_target kind, char *target,
                   policy_loc at);
void pb_role_functions(policy_builder *b, name_list *functions);
void pb_rule(policy_builder *b, char *id, policy_loc id_at, char *severity, policy_loc sev_at);
void pb_setting(policy_builder *b, char *name, policy_loc at, char *value);
void pb_default_role(policy_builder *b, char *name, policy_loc at);
void pb_approver(policy_builder *b, char *name, policy_loc at, char *key, policy_loc key_at,
                 bool human);
void pb_role_approvals(policy_builder *b, char *count, policy_loc at, char *human,
                       policy_loc human_at);
void pb_exclude(policy_builder *b, char *glob, policy_loc at);
/* budget KIND DURATION: kind "run" or "statement" (no other is measured). */
void pb_budget(policy_builder *b, char *kind, policy_loc kind_at, char *duration,
               policy_loc at);

#endif
