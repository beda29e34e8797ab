/*
 * applier.h: one apply run, as its files share it: run_state.c (what the others
 * use: signals, the journal, the approved statements), apply_exec.c (sending
 * statements: one at a time or pipelined, and recording each outcome) and apply.c
 * (the run: verify, lint, connect, lock, history, transactions, audit), from the
 * bottom up. Not a public interface.
 */
#ifndef PGWARD_APPLY_APPLIER_H
#define PGWARD_APPLY_APPLIER_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "apply/apply.h"
#include "apply/locks.h"
#include "apply/progress.h"
#include "bundle/bundle.h"
#include "audit/audit.h"
#include "audit/journal.h"
#include "policy/pinned.h"
#include "policy/policy.h"
#include "script/script.h"

typedef struct approved {
    const char *file;     /* source name */
    size_t offset;
    const statement *st;
    bool bare;            /* cannot run inside a transaction block (read while the
                             parse tree was there: txn_statement_needs_no_transaction,
                             or transaction control) */
} approved;

typedef struct unit_file {
    const char *path;     /* bundle path (relative to files/) */
    script *checked;      /* the static read */
    char checksum[65];    /* the file and what it includes */
    bool no_txn;
    bool file_txn;        /* a file-level transaction (txn_file_level): its own BEGIN
                             and COMMIT are not sent, it runs in apply's transaction */
    const char *begin;    /* ... whose BEGIN has transaction modes: its text, which
                             begins the file's own transaction (a unit of its own) */
    bool skip;            /* applied before with the same checksum */
    audit_progress *progress; /* no-transaction file: statements already run (or in
                                 doubt), by file_seq */
    size_t nprogress;
} unit_file;

typedef struct applier {
    const apply_opts *o;
    apply_result *r;
    bundle_info info;
    policy *pol;
    const policy_role *role;
    unit_file *files;
    size_t nfiles, capfiles;
    size_t ncommitted;     /* transactions committed so far */
    size_t nautocommitted; /* statements that ran outside any transaction and succeeded */
    bool commit_unknown;   /* a COMMIT got no answer: whether it committed is for
                              audit sync to find out */
    bool finished_in_txn;  /* the last transaction also set the run's final status */
    approved *approved;
    size_t napproved, capapproved;
    approval_verdict *signoffs; /* the bundle's approvals/, judged with its policy */
    size_t nsignoffs;
    PGconn *c;             /* the run's session: statements, audit rows, the lock */
    journal *j;
    char *target;          /* user@host:port/db */
    char *client;          /* os user@machine */
    int txn, seq;
    /* the file being run */
    unit_file *cur;
    int file_seq;
    bool in_txn;
    size_t findings_seen;  /* run-time findings of the file already looked at */
    cJSON *rows;           /* statement rows of the current transaction */
    cJSON *unrecorded;     /* rows of statements outside a transaction that the audit
                              tables do not have yet (the journal has them) */
    cJSON *file_rows;
    size_t nstatements, nskipped;
    apply_progress progress; /* the line on a terminal (o->progress), the timing */
    double last_answer;      /* when the last statement's answer arrived (ms) */
    lock_tracker locks;      /* the current transaction's relation locks (locks.h) */
    /* a restricted role's pinned settings (policy/pinned.h), as the server reported
       them once set, and the one query that reads them back */
    bool pinned;
    policy_pin pins[POLICY_NPINNED];
    char *pin_values[POLICY_NPINNED];
    char *pin_sql;
    char *pin_set_sql;        /* the query that sets them (again before every file) */
    char *run_check_sql;      /* apply_check_run()'s query */
    size_t files_started;     /* files sent so far in this run */
    bool assumptions_checked; /* the catalog's assumptions, before the first statement */
    /* the failure, if any */
    bool failed, cancelled, conn_lost;
    bool journal_broken;   /* a journal write failed: the run stopped there */
    bool refused;          /* a failure that is a refusal (exit 1): the catalog's
                              assumptions, a pinned setting changed */
    char *fail_file;
    int fail_line, fail_col;
    char sqlstate[6];
    char *fail_message, *fail_detail, *fail_hint;
} applier;

/* run_state.c */

/* The signal SIGINT/SIGTERM delivered during this run, or 0. */
int apply_signal(void);
void apply_reset_signal(void);

/* Catches SIGINT and SIGTERM for the run (the old actions in *old_int, *old_term).
   The handler only records the first and wakes the waits of conn/wait.h, which
   cancel what runs with bounded waits; a second exits at once (128 + signal),
   leaving the run to `pgward audit sync`. */
void apply_install_signals(struct sigaction *old_int, struct sigaction *old_term);

/* Milliseconds on a monotonic clock. */
static inline double apply_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Script options for reading the bundle's files from the bytes verified (a->info),
   with the -v variables its manifest records. Returns -1 when one has an invalid
   name. */
int apply_script_options(const applier *a, script_options *opt);

/* Sorts a->approved for apply_find_approved(). */
void apply_sort_approved(applier *a);

/* The approved statement at st's file and offset, or NULL. */
const statement *apply_find_approved(const applier *a, const statement *st);

/* Whether the approved statement at st's file and offset must run outside any
   transaction block (false when there is none). */
bool apply_approved_bare(const applier *a, const statement *st);

/* Records message (taken) as the run's failure, one not tied to a statement (no
   SQLSTATE, no position). The first failure is the run's: a later one is printed
   instead, unless it is a refusal (refused: the run cannot prove what it relies
   on, exit 1), which takes over. */
void apply_fail(applier *a, bool refused, char *message);

/* Journals rec (fsynced when sync); a journal that cannot be written stops the run. */
int apply_journal_put(applier *a, cJSON *rec, bool sync);

/*
 * Whether the run still holds what it relies on (one query): the apply lock on
 * this session, and the pinned settings. Before every COMMIT and after every
 * statement outside a transaction. 0, or -1 with a->failed set (a->refused when the
 * lock is gone or a setting has changed, naming it).
 */
int apply_check_run(applier *a);

/* Runs sql (no result wanted); a failure is recorded as the run's (apply_query_failed). */
int apply_simple(applier *a, const char *sql);

/* Starts the next transaction of the run (a->txn, a->in_txn, fresh rows) with
   begin (an approved BEGIN with transaction modes), or NULL: a plain BEGIN. */
int apply_begin_txn(applier *a, const char *begin);

/*
 * Ends the current transaction: when rc is 0 (and not a dry run) commits it with
 * its audit rows, which are its commit marker (finish: with the run's final status
 * too); otherwise, or in a dry run, rolls it back and records its rows as rolled
 * back. A COMMIT without an answer leaves a->commit_unknown. Returns 0 when
 * committed (or a dry run rolled back as asked), else -1.
 */
int apply_end_txn(applier *a, int rc, bool finish);

/* Writes a->unrecorded to the audit tables when it can (else the run's audit is
   pending: the journal has the rows). */
void apply_record_unrecorded(applier *a);

/* Records that query result r failed (what, then the server's message; the
   connection lost when it is), unless a failure is recorded already; frees r.
   Returns -1. */
int apply_query_failed(applier *a, PGresult *r, const char *what);

/* apply_exec.c */

/*
 * Runs one file of the current unit: from its approved statements (pipelined in a
 * transaction), or through the interpreter's run-time mode when it needs run-time
 * values. Adds its statement rows to a->rows and its file row to a->file_rows.
 * Returns 0, or -1 with a->failed / a->cancelled set.
 */
int apply_run_file(applier *a, unit_file *uf);

#endif
