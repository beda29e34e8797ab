/*
 * rules.h: the rule registry at run time: which rules there are (generated from
 * rules/<id>.md, rule_ids.h) and which severity each has in a run.
 *
 *   const rule_def *r = rules_find(RULE_SET_NOT_NULL);   // by the id a user wrote
 *   severity sev;
 *   if (rules_severity(cfg, RULE_SET_NOT_NULL, &sev)) ... report at sev ...
 *
 * To add a rule: write rules/<id>.md (the build makes RULE_<ID> and its table
 * entry from it), then its check; docs/architecture.md says where.
 */
#ifndef PGWARD_RULES_H
#define PGWARD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/finding.h"
#include "policy/policy.h"
#include "rule_ids.h"

/* How many rules there are; rules_at(i) in id order (the rule_id order). */
size_t rules_count(void);
const rule_def *rules_at(size_t i);

/* The rule with this id string, or NULL. */
const rule_def *rules_find(const char *id);

const char *rules_group_name(rule_group g);

/* What a lint run was asked for (lint, bundle and apply fill it). */
typedef struct lint_config {
    const policy *policy;   /* NULL: no policy (its rules do not run) */
    int pg_version;         /* major version the scripts target (--pg-version; default the grammar's) */
    const struct runner_model *runner; /* how the scripts will be run (--runner,
                                          rules/txn_rules.h); NULL: as pgward apply */
    bool bundled;           /* the scripts go into a bundle (bundle, apply): a directive
                               in a file beside a script (Flyway's .conf), which the
                               bundle does not carry, does not count */
} lint_config;

/*
 * The severity rule id has in this run: the policy's `rule ID SEVERITY;` when it
 * names the rule, else the rule's default. Returns false when the rule is off
 * (`rule ID off;`, or an opt-in rule the policy does not turn on).
 */
bool rules_severity(const lint_config *cfg, rule_id id, severity *sev);

#endif
