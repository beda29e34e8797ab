/*
 * verify.h: checking a live database against the policy (pgward verify).
 *
 * verify_database() runs every gate over an open connection, read-only (the
 * session is set default_transaction_read_only; the views are planned inside a
 * READ ONLY transaction that is rolled back), and returns the results as data:
 * one verify_gate per gate, in a fixed order, each with its evidence lines (what
 * was found, also when it passes) and its problems (why it fails; none = pass).
 * Nothing here prints; cmd_verify.c renders the report as text, JSON or markdown.
 *
 *   verify_report rep;
 *   if (verify_database(conn, pol, journal_path, &rep, &err) < 0) ...  // exit 3
 *   size_t failed = verify_failed(&rep);                               // 0 = GO
 *   verify_report_free(&rep);
 *
 * The verdict: after the gates, checklist.c evaluates the checklist, one table of
 * items (verify_item below), each computed once, as data; GO is exactly the
 * conjunction of every item, and every gate is an item, so a failed gate is NO-GO.
 * Items of their own (the automation role, the final state of the runs of
 * audit.runs) are computed there from the report or the audit trail.
 *
 * Adding an item source (live probes, a budget, approvals) takes one line: a row
 * in the table `checklist[]` of checklist.c,
 *     {"rls-tested", VERIFY_GO_NO_GO, "RLS policies tested", NULL, item_rls_tested},
 * with the function (void item_rls_tested(vctx *v, verify_gate *item), declared
 * in gate.h, defined in its own file) recording evidence and problems into item
 * with gate_evidence() and gate_problem(): a problem fails the item and so the
 * verdict. A row naming a gate instead ("views", ..., "views", NULL) copies that
 * gate. The text, JSON and markdown outputs need no change.
 *
 * Gates (ids are stable; docs/verify.md says what each checks):
 *   schemas, extensions, row-security, sensitive-rls, roles, privileges, lifetime,
 *   views, catalog-assumptions, audit-trail
 * catalog-assumptions has parts, one per assumption the static gate makes about the
 * catalog (isolation, no-shadowing, sensitive-rls; assumptions.h), each with its own
 * evidence and problems; the gate's lines are theirs, prefixed with the part's id.
 */
#ifndef PGWARD_VERIFY_H
#define PGWARD_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "policy/policy.h"

typedef struct verify_gate {
    const char *id;          /* "schemas", "privileges", ... (static) */
    const char *title;       /* one line saying what must hold (static) */
    bool pass;               /* no problems */
    char **evidence;         /* what was found */
    size_t nevidence, capevidence;
    char **problems;         /* what is wrong, one line each */
    size_t nproblems, capproblems;
    struct verify_gate *parts; /* the checks it is made of (catalog-assumptions), or none */
    size_t nparts, capparts;
    const char *reported_by; /* a part another gate reports (that gate's id): its
                                problems are not the parent gate's */
} verify_gate;

/* Where an item stands in the staging checklist (the markdown's three lists). */
typedef enum { VERIFY_STAGING, VERIFY_QUALITY, VERIFY_GO_NO_GO } verify_section;

/*
 * One checklist item: what the verdict is made of. item.id is stable ("schemas",
 * "runs-completed", ...), item.title the checklist line, item.pass true exactly
 * when item.problems is empty; gate is the id of the gate whose evidence and
 * problems it carries (copied), or NULL for an item of its own. The verdict is GO
 * exactly when every item passes (verify_failed() == 0); every output and the exit
 * status render these items and nothing else.
 */
typedef struct verify_item {
    verify_gate line;        /* id, title (the checklist text), pass, evidence, problems */
    verify_section section;
    const char *gate;
} verify_item;

/* audit.runs in numbers (the go/no-go items pgward can only report). */
typedef struct verify_runs {
    bool readable;           /* audit.runs exists and could be read */
    long total, committed, failed, cancelled, dry_run, running;
    long failed_statements;  /* audit.statements with status 'failed' (-1: unknown) */
} verify_runs;

/* The automation role: the policy's default role, else its first role with a
   lifetime (role NULL when there is neither). */
typedef struct verify_automation {
    char *role;
    bool exists, login, connect; /* LOGIN; CONNECT on this database */
    bool expired;                /* VALID UNTIL in the past */
    char *valid_until;           /* UTC ISO 8601, "infinity", or NULL (never set) */
} verify_automation;

/* A bundle's latest committed run and who approved it (signoffs.c): evidence for
   the sign-off lines, not an item of the verdict. */
struct audit_approver;
typedef struct verify_signoff {
    char *run, *bundle, *role, *db_user, *client, *finished;
    struct audit_approver *approvers;
    size_t napprovers;
} verify_signoff;

typedef struct verify_report {
    char *time;              /* the server's now(), UTC ISO 8601 */
    char *target;            /* conn_describe(): user@host:port/dbname */
    char *database, *user;   /* current_database(), current_user */
    char *server_version;    /* version() */
    char *server_started;    /* pg_postmaster_start_time(), UTC ISO 8601 */
    char *policy_file;
    char policy_digest[65];
    char *journal;           /* the journal checked */
    verify_gate *gates;
    size_t ngates, capgates;
    verify_item *items;      /* the checklist, in the order of checklist.c's table */
    size_t nitems, capitems;
    verify_runs runs;
    verify_automation automation;
    verify_signoff *signoffs; /* one per bundle with a committed run, oldest first */
    size_t nsignoffs;
} verify_report;

/*
 * Runs every gate against the database c is connected to, with policy p and the
 * local journal at journal_path (a missing file is an empty journal). What the
 * database or the journal says wrong becomes a gate's problem (a permission error
 * on audit.runs, a view that does not plan, a malformed journal); only an
 * unexpected catalog error or a lost connection returns -1 with *err (malloc'd),
 * leaving *out empty. Returns 0 with *out filled (free with verify_report_free).
 */
struct probe_report;
/* probes: NULL, or run the live probes (verify/probes.h) as the gate `probes`, before
   the checklist is evaluated, and keep their report there. */
int verify_database(PGconn *c, const policy *p, const char *journal_path,
                    struct probe_report *probes, verify_report *out, char **err);

/* The number of checklist items that failed (0: GO, and exit 0). */
size_t verify_failed(const verify_report *r);

/* "runs-completed, views": the ids of the failed items (the caller frees it). */
char *verify_failed_ids(const verify_report *r);

/* The gate with this id, or NULL. */
const verify_gate *verify_find_gate(const verify_report *r, const char *id);

void verify_report_free(verify_report *r);

/*
 * Whether a function body mentions schema as a qualifier: the name (any case, or
 * exactly inside double quotes) not preceded by an identifier character, a '.' or
 * a '"', and followed, after optional blanks, by '.'. The heuristic the isolation
 * gate applies to function bodies (comments and strings included); public so that
 * unit tests can reach it.
 */
bool verify_body_mentions_schema(const char *body, const char *schema);

#endif
