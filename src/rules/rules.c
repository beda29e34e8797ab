/*
 * rules.c: the table of every rule, and which severity each has in a run; see
 * rules.h. The table is sorted by id (a test checks it, and that every id has its
 * rules/<id>.md).
 */
#include "rules/rules.h"

#include <stdlib.h>
#include <string.h>

#include "rule_docs.h"

static const rule_def rules[] = {
    {"access-exclusive-held", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "an ACCESS EXCLUSIVE lock is held while other work runs in the same transaction"},
    {"add-column-volatile-default", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a column added with a volatile default rewrites the whole table"},
    {"add-required-column", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a NOT NULL column without a default fails on a table with rows"},
    {"ban-char-type", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "char(n) pads with blanks and is no faster than text"},
    {"change-column-type", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock"},
    {"concurrently-in-transaction", SEV_ERROR, false, RULE_GROUP_MIGRATION,
     "CONCURRENTLY inside an explicit transaction block fails"},
    {"constraint-without-not-valid", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a foreign key or check constraint added without NOT VALID scans the table under a lock"},
    {"create-or-replace-foreign", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "CREATE OR REPLACE or IF NOT EXISTS on an object in a schema this script did not create"},
    {"cross-boundary-write", SEV_ERROR, false, RULE_GROUP_POLICY,
     "a statement writes one isolated schema family while reading another"},
    {"delete-without-where", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "DELETE without WHERE removes every row"},
    {"detach-partition-not-concurrently", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "DETACH PARTITION without CONCURRENTLY locks the parent table"},
    {"domain-constraint", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a domain with constraints is checked against every column that uses it"},
    {"drop-column", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "dropping a column breaks the code that still reads it"},
    {"drop-database", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "dropping a database"},
    {"drop-not-null", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "dropping NOT NULL lets NULLs into a column code may assume is never NULL"},
    {"drop-table", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "dropping a table breaks the code that still uses it"},
    {"duplicate-column-assignment", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "the same column assigned twice in one INSERT or UPDATE"},
    {"enum-value-without-position", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "ALTER TYPE ... ADD VALUE without BEFORE or AFTER puts the value last"},
    {"extension-in-public", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "an extension created in schema public, which every role can use"},
    {"function-search-path", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "a function without an explicit search_path resolves names at call time"},
    {"grant-to-public", SEV_ERROR, false, RULE_GROUP_POLICY,
     "a privilege granted to PUBLIC reaches every role"},
    {"identifier-too-long", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "an identifier longer than 63 bytes is silently truncated"},
    {"include-error", SEV_ERROR, false, RULE_GROUP_FRONT_END,
     "an \\i or \\ir target that is missing, cyclic, too deep or outside the root"},
    {"index-not-concurrently", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "CREATE INDEX, DROP INDEX or REINDEX without CONCURRENTLY blocks writes"},
    {"input-error", SEV_ERROR, false, RULE_GROUP_FRONT_END,
     "a file that cannot be read"},
    {"missing-lock-timeout", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a lock-taking statement without lock_timeout set before it"},
    {"missing-statement-timeout", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a lock-taking statement without statement_timeout set before it"},
    {"multiple-locks-same-table", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "several lock-taking statements on one table in one transaction"},
    {"nested-transaction", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "BEGIN inside a transaction block does nothing but warn"},
    {"no-identity-change", SEV_ERROR, false, RULE_GROUP_POLICY,
     "a restricted role changes who it is or what it may do"},
    {"no-transaction-mixed", SEV_WARNING, false, RULE_GROUP_TRANSACTION,
     "a file marked no-transaction also holds statements that could run in one"},
    {"no-transaction-required", SEV_ERROR, false, RULE_GROUP_TRANSACTION,
     "a statement that cannot run in a transaction, in a file apply wraps in one"},
    {"not-idempotent", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "CREATE or DROP without IF [NOT] EXISTS fails when run again"},
    {"policy-always-true", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "a row-level security policy that is always true protects nothing"},
    {"prefer-bigint", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "int or smallint keys run out; bigint costs little more"},
    {"prefer-identity", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "serial columns: prefer GENERATED ... AS IDENTITY"},
    {"prefer-text", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "varchar(n) limits change with a table rewrite; text with a CHECK does not"},
    {"prefer-timestamptz", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "timestamp without time zone loses the instant"},
    {"rename-column", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "renaming a column breaks the code that still uses the old name"},
    {"rename-table", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "renaming a table breaks the code that still uses the old name"},
    {"require-schema", SEV_WARNING, true, RULE_GROUP_MIGRATION,
     "a table named without its schema (opt-in)"},
    {"rls-required", SEV_ERROR, false, RULE_GROUP_POLICY,
     "a sensitive table without row-level security enabled and forced"},
    {"rls-without-policy", SEV_INFO, false, RULE_GROUP_SECURITY,
     "row-level security enabled without any policy denies every row"},
    {"role-allowlist", SEV_ERROR, false, RULE_GROUP_POLICY,
     "the role may not run this statement under the policy"},
    {"script-error", SEV_ERROR, false, RULE_GROUP_FRONT_END,
     "a malformed meta-command, unbalanced \\if or bad variable"},
    {"security-definer-search-path", SEV_ERROR, false, RULE_GROUP_POLICY,
     "a SECURITY DEFINER function without a pinned, safe search_path"},
    {"set-not-null", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"},
    {"suppression-without-reason", SEV_ERROR, false, RULE_GROUP_META,
     "a pgward-ignore comment without its reason"},
    {"syntax-error", SEV_ERROR, false, RULE_GROUP_FRONT_END,
     "the PostgreSQL parser rejects the statement"},
    {"table-rewrite", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "an ALTER TABLE that rewrites the whole table"},
    {"transaction-control", SEV_ERROR, false, RULE_GROUP_TRANSACTION,
     "BEGIN, COMMIT or ROLLBACK in a file apply wraps in a transaction"},
    {"truncate", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "TRUNCATE removes every row"},
    {"truncate-cascade", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "TRUNCATE ... CASCADE also empties every table that references it"},
    {"unique-without-index", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "a primary key or unique constraint added without USING INDEX builds its index under a lock"},
    {"unknown-rule", SEV_ERROR, false, RULE_GROUP_META,
     "a suppression names a rule pgward does not have"},
    {"unqualified-in-security-definer", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "an unqualified name inside a SECURITY DEFINER function body"},
    {"unsafe-search-path", SEV_WARNING, false, RULE_GROUP_SECURITY,
     "SET search_path to a value that lets others' objects shadow yours"},
    {"unsupported-meta-command", SEV_ERROR, false, RULE_GROUP_FRONT_END,
     "a psql meta-command pgward cannot run or reason about"},
    {"unterminated-transaction", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "BEGIN without COMMIT or ROLLBACK by the end of the script"},
    {"unused-suppression", SEV_WARNING, false, RULE_GROUP_META,
     "a pgward-ignore comment that suppresses nothing"},
    {"update-without-where", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "UPDATE without WHERE changes every row"},
    {"vacuum-full-or-cluster", SEV_WARNING, false, RULE_GROUP_MIGRATION,
     "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock"},
};

size_t rules_count(void)
{
    return ARRAY_SIZE(rules);
}

const rule_def *rules_at(size_t i)
{
    return i < ARRAY_SIZE(rules) ? &rules[i] : NULL;
}

static int cmp_id(const void *key, const void *item)
{
    return strcmp(key, ((const rule_def *)item)->id);
}

const rule_def *rules_find(const char *id)
{
    return bsearch(id, rules, ARRAY_SIZE(rules), sizeof(rules[0]), cmp_id);
}

const char *rules_group_name(rule_group g)
{
    static const char *const names[] = {"front end", "policy", "transaction", "migration",
                                        "security", "suppression"};
    return (size_t)g < ARRAY_SIZE(names) ? names[g] : "?";
}

bool rules_severity(const lint_config *cfg, const char *id, severity *sev)
{
    const rule_def *r = rules_find(id);
    if (!r)
        return false;
    *sev = r->sev;
    const policy *p = cfg ? cfg->policy : NULL;
    for (size_t i = 0; p && i < p->nrules; i++) {
        if (strcmp(p->rules[i].id, id) == 0) {
            *sev = p->rules[i].sev;
            return !p->rules[i].off;
        }
    }
    return !r->opt_in;
}

const char *rules_doc(const char *id)
{
    for (size_t i = 0; i < ARRAY_SIZE(rule_docs); i++)
        if (strcmp(rule_docs[i].id, id) == 0)
            return rule_docs[i].text;
    return NULL;
}
