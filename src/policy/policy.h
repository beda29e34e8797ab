/*
 * policy.h: the declarative policy pgward proves scripts against.
 *
 * A policy (language in rules/POLICY.md, grammar in grammar/policy_parse.y) names
 * schema families, isolation between them and the bridges allowed across, schemas
 * only pgward writes, sensitive table and column patterns, roles with their grants
 * and function allowlists, rule severities and settings. policy_load() parses and
 * validates a file; every error is "file:line:col: message". A loaded policy has a
 * canonical text (stable order and spelling, comments dropped) and the SHA-256 of
 * that text, which bundles record.
 *
 *   char *err = NULL;
 *   policy *p = policy_load("rules/staging.policy", &err);
 *   if (!p) { fprintf(stderr, "%s\n", err); free(err); return 2; }
 *   puts(p->digest);
 *   policy_free(p);
 */
#ifndef PGWARD_POLICY_H
#define PGWARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "analyze/stmt_class.h"
#include "base/finding.h"
#include "rule_ids.h"

/* Grants allow statement classes (CLASS_*, analyze/stmt_class.h). */

typedef struct policy_pattern {
    char *source;        /* the PCRE2 pattern as written */
    void *code;          /* pcre2_code *, compiled */
} policy_pattern;

typedef struct policy_family {
    char *name;
    char **schemas;
    size_t nschemas, capschemas;
    policy_pattern *patterns;
    size_t npatterns, cappatterns;
    int line, column;
} policy_family;

typedef enum grant_target { TARGET_FAMILY, TARGET_SCHEMA, TARGET_TABLE } grant_target;

typedef struct policy_grant {
    unsigned classes;
    grant_target target_kind;
    char *target;        /* family or schema name, or schema.table */
} policy_grant;

typedef struct policy_role {
    char *name;
    bool restricted;
    long lifetime_seconds; /* 0 = no lifetime */
    policy_grant *grants;
    size_t ngrants, capgrants;
    char **functions;      /* allowlisted functions, schema-qualified */
    size_t nfunctions, capfunctions;
    int approvals;         /* approvals its bundles need before apply runs them */
    int approvals_human;   /* of which by approvers marked human */
    int line, column;
} policy_role;

/* approver NAME key "KEY" [human]; KEY is the base64 of the Ed25519 public key's DER
   form (the body of its PEM) or a PEM file's path relative to the policy's folder,
   always inline in the canonical text */
typedef struct policy_approver {
    char *name;
    char key[61];          /* base64 SPKI (approval.h) */
    bool human;
    int line, column;
} policy_approver;

typedef struct policy_bridge {
    char *schema;
    char **families;
    size_t nfamilies, capfamilies;
} policy_bridge;

typedef struct policy_rule {
    rule_id id;
    severity sev;
    bool off;
} policy_rule;

typedef struct policy_setting {
    char *name;
    char *value;
} policy_setting;

typedef struct policy {
    char *name;              /* the file it came from */
    policy_family *families;
    size_t nfamilies, capfamilies;
    char **isolated;         /* families isolated from each other */
    size_t nisolated, capisolated;
    policy_bridge *bridges;
    size_t nbridges, capbridges;
    char **protected_schemas; /* written only by pgward itself */
    size_t nprotected, capprotected;
    char **extensions;       /* extensions the database must have (require extension) */
    size_t nextensions, capextensions;
    policy_pattern *sensitive_tables;
    size_t nsensitive_tables, capsensitive_tables;
    policy_pattern *sensitive_columns;
    size_t nsensitive_columns, capsensitive_columns;
    policy_role *roles;
    size_t nroles, caproles;
    policy_rule *rules;
    size_t nrules, caprules;
    policy_setting *settings;
    size_t nsettings, capsettings;
    char *default_role;
    policy_approver *approvers; /* who may sign off a bundle (approval.h) */
    size_t napprovers, capapprovers;
    char **excludes;         /* exclude "GLOB": paths lint skips (cli_glob_match) */
    size_t nexcludes, capexcludes;
    long budget_run_seconds;       /* budget run D: a bundle's latest run within D (0: none) */
    long budget_statement_seconds; /* budget statement D: each of its statements (0: none) */
    long budget_lock_seconds;      /* budget lock D: each lock of its statements that keeps
                                      others' writes waiting held at most D (0: none) */
    char *canonical;         /* canonical text */
    char digest[65];         /* SHA-256 of canonical, lowercase hex */
} policy;

/*
 * Loads and validates a policy file. NULL with *err = "file:line:col: message", or
 * "cannot read 'file': reason" when the file cannot be read at all.
 */
policy *policy_load(const char *path, char **err);

/* The same for text in memory (tests, fuzzing); name is used in messages. */
policy *policy_parse(const char *name, const char *text, size_t len, char **err);

/* The same for the policy a bundle carries: read from memory only, so an approver's
   key must be inline (the canonical form's); a key file name is an error. */
policy *policy_parse_bundled(const char *name, const char *text, size_t len, char **err);

void policy_free(policy *p);

const policy_role *policy_find_role(const policy *p, const char *name);
const policy_family *policy_find_family(const policy *p, const char *name);

/* Whether any of the patterns matches subject. */
bool policy_patterns_match(const policy_pattern *pats, size_t n, const char *subject);

/* The family a schema belongs to (by name or pattern), or NULL. */
const policy_family *policy_family_of(const policy *p, const char *schema);

/* Whether a rule id is one pgward knows (policies may only configure those). */
bool policy_rule_known(const char *id);

#endif
