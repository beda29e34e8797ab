/*
 * apply.h: run an approved bundle against PostgreSQL, transactionally, with an
 * audit trail that loses nothing.
 *
 * apply_run() verifies the bundle (hashes, chain, signature), lints it again with
 * the policy it carries for the role it runs as, connects, checks (or sets) that
 * role, takes the database's pgward advisory lock on a dedicated connection, skips
 * files already applied with the same checksum (and refuses changed ones), then
 * runs every statement exactly as analysed, through the psql-compatible
 * interpreter in run-time mode (\gset, \if, \echo, COPY FROM STDIN data).
 *
 * Journal (journal.h) and audit trail (audit.h): success rows are written in the
 * transaction they describe; the journal is fsynced before every COMMIT and around
 * every statement that runs outside a transaction; failures and cancellations are
 * recorded after the rollback. Whatever could not reach the database is settled
 * later by `pgward audit sync`.
 *
 *   apply_opts o = apply_opts_default();
 *   o.bundle = "out.bundle"; o.journal = path; ...
 *   apply_result r;
 *   apply_run(&o, &r);          // r.status says what happened
 *   apply_result_free(&r);
 */
#ifndef PGWARD_APPLY_H
#define PGWARD_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "conn/conn.h"

typedef struct apply_opts {
    const char *bundle;            /* the bundle folder */
    const char *pubkey;            /* verify the signature with it (unsigned: refused) */
    const char *role;              /* must equal the bundle's role, or NULL */
    bool set_role;                 /* SET ROLE to the bundle's role when connected as
                                      another (otherwise that is refused) */
    bool dry_run;                  /* run everything, report, roll back */
    bool txn_per_file;             /* one transaction per file (default: one for all) */
    const char *journal;           /* the journal's path */
    const conn_params *params;     /* from --env-file, or NULL */
    const char *db;                /* --db, or NULL */
    const char *lock_timeout;      /* override the policy's, or NULL */
    const char *statement_timeout; /* override the policy's, or NULL */
    int retries;                   /* retries of a transaction after a lock timeout */
    int lock_wait_seconds;         /* how long to wait for another apply's lock */
    bool verbose;                  /* a line per statement */
    FILE *progress;                /* a terminal for the progress line, or NULL */
    FILE *out;                     /* progress, \echo, results summary */
    FILE *err;                     /* findings and errors */
} apply_opts;

typedef enum apply_status {
    APPLY_DONE,      /* everything ran and committed (or, dry run, rolled back) */
    APPLY_REFUSED,   /* verification, lint, role, history, lock or the catalog's
                        assumptions: nothing sent; or a pinned setting changed:
                        rolled back */
    APPLY_FAILED,    /* a statement, the server or the network failed: rolled back */
    APPLY_CANCELLED, /* SIGINT/SIGTERM: cancelled and rolled back */
    APPLY_INPUT,     /* the bundle or an option cannot be read at all */
} apply_status;

typedef struct apply_result {
    apply_status status;
    int signal;         /* APPLY_CANCELLED: the signal */
    char run_id[37];    /* "" when no run started */
    bool audit_pending; /* the journal holds what the audit tables lack: sync */
} apply_result;

apply_opts apply_opts_default(void);

/* Runs the bundle; never exits. Returns 0 when r->status is APPLY_DONE, else -1. */
int apply_run(const apply_opts *o, apply_result *r);

/* The default journal: $PGWARD_JOURNAL, $XDG_STATE_HOME/pgward/journal.jsonl, or
   ~/.local/state/pgward/journal.jsonl (malloc'd). */
char *apply_default_journal(void);

#endif
