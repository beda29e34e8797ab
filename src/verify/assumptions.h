/*
 * assumptions.h: what the static gate assumes about the catalog, checked against a
 * live database; the one check `pgward verify` (gate catalog-assumptions) and
 * `pgward apply` (before the first statement of a run) share.
 *
 * The gate reads scripts, never the catalog, so its proofs hold only while:
 *   isolation      no object of one isolated family depends on another (views and
 *                  materialized views, partitions and inheritance, triggers, rules,
 *                  foreign keys, functions, column defaults and generated columns),
 *                  except through a bridge schema that reads both
 *   no-shadowing   no function in a schema a restricted role can use has the name of
 *                  a pg_catalog function with other arguments, and no operator exists
 *                  outside pg_catalog in such a schema
 *   sensitive-rls  every sensitive table has row-level security enabled, forced and
 *                  a policy
 *
 *   catalog_assumptions ca = assumptions_check(conn, pol, role);
 *   if (ca.err) ...                       // the catalog could not be read
 *   else if (!ca.gate.pass) ...           // ca.gate.problems[0]: "isolation: view ..."
 *   assumptions_free(&ca);
 *
 * Read-only: catalog queries, inside the transaction the caller has open; search_path
 * is pg_catalog's alone while they run (set_config local to the transaction) and put
 * back after.
 */
#ifndef PGWARD_VERIFY_ASSUMPTIONS_H
#define PGWARD_VERIFY_ASSUMPTIONS_H

#include <libpq-fe.h>

#include "policy/policy.h"
#include "verify/verify.h"

typedef struct catalog_assumptions {
    verify_gate gate; /* id "catalog-assumptions": one part per assumption; its problems
                         are the parts', each "id: problem" */
    char *err;        /* the check could not be made (a catalog error, a lost connection) */
} catalog_assumptions;

/*
 * Checks every assumption over connection c with policy p. role: the restricted role
 * whose reachable schemas no-shadowing looks at; NULL: every restricted role of p.
 */
catalog_assumptions assumptions_check(PGconn *c, const policy *p, const policy_role *role);

void assumptions_free(catalog_assumptions *a);

#endif
