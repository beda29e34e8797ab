/*
 * probes.h: live probes of `pgward verify --probe`: for each restricted role of the
 * policy, statements run as that role (SET LOCAL ROLE) inside transactions that are
 * always rolled back, each of which must be refused or return the rows the policy
 * allows. The catalog gates say what is configured; the probes show the server
 * enforcing it. docs/verify.md ("Live probes") says what each kind proves.
 *
 *   probe_report pr;
 *   if (probes_run(conn, pol, &pr, &err) < 0) ...   // lost connection: exit 3, no verdict
 *   for (size_t i = 0; i < pr.n; i++) ... pr.probes[i].pass ...
 *   probe_report_free(&pr);
 *
 * verify_probe() runs them and appends the gate `probes` to a verify report (the
 * one call cmd_verify.c makes).
 *
 * Kinds (one probe each):
 *   write     EXPLAIN INSERT/UPDATE/DELETE ... WHERE false on a table, foreign
 *             table or view whose class the role may not run: SQLSTATE 42501, or
 *             of a view the rewriter's refusal when no one can write it (READ
 *             ONLY: EXPLAIN checks the privilege at executor start and runs
 *             nothing); on a view or a table with rules it may write, EXPLAIN
 *             (VERBOSE, FORMAT JSON): every table the plan modifies is one it may
 *             write; TRUNCATE ONLY t, pg_temp.pgward_absent on a table it may not
 *             truncate: 42501 (READ WRITE, with the ddl probes)
 *   ddl       CREATE TABLE in a schema where the role has no ddl: 42501 (READ
 *             WRITE, like truncate)
 *   read      SELECT count(*) of a sensitive table: 42501 without select; 0 rows
 *             when no RLS policy of the table applies to the role
 *   set-role  the roles the role is a member of, by the server's own test
 *             (pg_has_role MEMBER, the one SET ROLE applies): none
 */
#ifndef PGWARD_VERIFY_PROBES_H
#define PGWARD_VERIFY_PROBES_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "policy/policy.h"
#include "verify/verify.h"

typedef struct probe {
    char *role;           /* the restricted role it ran as */
    const char *kind;     /* "write", "ddl", "read", "set-role" (static) */
    char *what;           /* "insert into vh.projects", "truncate vh.projects",
                             "insert into views.v (view)" */
    char *sql;            /* the exact statement sent, after SET LOCAL ROLE */
    char *expected;       /* "SQLSTATE 42501", "0 rows", "no role" */
    char *actual;         /* "SQLSTATE 42501: permission denied for table projects" */
    bool pass;
} probe;

typedef struct probe_report {
    char *verifier;       /* current_user of the verifying session */
    probe *probes;
    size_t n, cap;
    char **problems;      /* a role that could not be probed, one line each */
    size_t nproblems, capproblems;
    char **notes;         /* what the probes could not show (an empty table), one line each */
    size_t nnotes, capnotes;
} probe_report;

/*
 * Runs every probe of every restricted role of p over c. A role the session may not
 * SET ROLE to is a problem (it was not probed), never skipped silently. Returns 0
 * with *out filled (free with probe_report_free), or -1 with *err (malloc'd) when
 * the connection is lost or a transaction cannot be started or rolled back.
 */
int probes_run(PGconn *c, const policy *p, probe_report *out, char **err);

void probe_report_free(probe_report *r);

/* Runs the probes and appends the gate `probes` to rep (every probe a line of
   evidence, every failed one a problem); the probes themselves go to *keep (free
   with probe_report_free) unless keep is NULL. -1 with *err as probes_run. */
int verify_probe(PGconn *c, const policy *p, verify_report *rep, probe_report *keep,
                 char **err);

#endif
