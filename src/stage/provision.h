/*
 * provision.h: the SQL that sets a database up for a policy: the roles, schemas,
 * extensions and privileges the policy names (from policy/query.h, the answers
 * the gate and verify use too), around sql/audit.sql and sql/bootstrap.sql.
 * `pgward stage up` runs it; `pgward stage sql` prints it.
 *
 *   char *sql = provision_sql(pol);   // one script, for one transaction
 *   ... PQexec(conn, sql) ...
 *   free(sql);
 */
#ifndef PGWARD_PROVISION_H
#define PGWARD_PROVISION_H

#include "policy/policy.h"

/* The whole setup script for p (malloc'd): audit.sql, the roles, schemas and
   extensions, bootstrap.sql, the privileges, row-level security and the status. */
char *provision_sql(const policy *p);

/* The schemas the policy names by name (families' schemas, bridges, protected
   schemas), in policy order; *n gets how many. The array is malloc'd, the names
   are the policy's. */
const char **provision_schemas(const policy *p, size_t *n);

/* The shipped staging policy (rules/staging.policy, built in), parsed; NULL with
   *err on a failure that cannot happen unless the build is broken. */
policy *provision_staging_policy(char **err);

#endif
