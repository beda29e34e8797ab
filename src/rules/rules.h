/*
 * rules.h: every rule pgward reports, in one table: its id, default severity,
 * group and one-line summary. Each rule has a doc, rules/<id>.md (rationale, a bad
 * example, a good example, how to fix), built into pgward for `pgward rules <id>`;
 * a test lints every doc's examples, so code and docs cannot drift apart.
 *
 *   const rule_def *r = rules_find("set-not-null");
 *   severity sev;
 *   if (rules_severity(cfg, "set-not-null", &sev)) ... report at sev ...
 *
 * The checks live by group: front end (script.c), policy gate (gate.c,
 * gate_security.c), transactions (txn_rules.c), migration safety
 * (rules_migration.c), security (rules_security.c), suppressions (suppress.c).
 */
#ifndef PGWARD_RULES_H
#define PGWARD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/finding.h"
#include "policy/policy.h"

typedef enum rule_group {
    RULE_GROUP_FRONT_END,   /* reading the script */
    RULE_GROUP_POLICY,      /* the policy gate: needs --policy */
    RULE_GROUP_TRANSACTION, /* what pgward apply runs in a transaction */
    RULE_GROUP_MIGRATION,   /* migration safety (locks, rewrites, types, ...) */
    RULE_GROUP_SECURITY,    /* security (search_path, grants, RLS, ...) */
    RULE_GROUP_META,        /* about suppressions themselves */
} rule_group;

typedef struct rule_def {
    const char *id;
    severity sev;           /* default severity */
    bool opt_in;            /* off unless the policy gives it a severity */
    rule_group group;
    const char *summary;    /* one line, lowercase, no final period */
} rule_def;

/* How many rules there are; rules_at(i) in id order. */
size_t rules_count(void);
const rule_def *rules_at(size_t i);

/* The rule with this id, or NULL. */
const rule_def *rules_find(const char *id);

const char *rules_group_name(rule_group g);

/* What a lint run was asked for (lint, bundle and apply fill it). */
typedef struct lint_config {
    const policy *policy;   /* NULL: no policy (its rules do not run) */
    int pg_version;         /* major version the scripts target (--pg-version, 15) */
} lint_config;

/*
 * The severity rule id has in this run: the policy's `rule ID SEVERITY;` when it
 * names the rule, else the rule's default. Returns false when the rule is off
 * (`rule ID off;`, or an opt-in rule the policy does not turn on) or unknown.
 */
bool rules_severity(const lint_config *cfg, const char *id, severity *sev);

/* The doc of rule id (rules/<id>.md, built in), or NULL. */
const char *rules_doc(const char *id);

#endif
