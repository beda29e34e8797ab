/*
 * audit.h: the audit trail in the database (sql/audit.sql) and its settlement with
 * the local journal (journal.h).
 *
 * apply writes through these calls; `pgward audit sync` and `pgward audit show`
 * are built on them. Every function takes an open connection and returns 0, or
 * -1 with *err (malloc'd: what failed, and the server's message).
 *
 *   audit_ensure_schema(c, &err);               // creates sql/audit.sql's objects
 *   audit_begin_run(c, &run, &err);
 *   audit_record(c, run.id, statements, files, &err);  // JSON arrays (audit.sql)
 *   audit_finish_run(c, run.id, "committed", NULL, &err);
 */
#ifndef PGWARD_AUDIT_H
#define PGWARD_AUDIT_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "audit/journal.h"

#define AUDIT_SCHEMA_VERSION 5

typedef struct audit_run {
    const char *id;          /* uuid text */
    const char *bundle_sha256;
    const char *policy_sha256;
    const char *role;
    const char *mode;        /* "bundle" or "file" */
    const char *client;      /* this machine and user, for the record */
    const char *started_at;  /* ISO 8601 */
} audit_run;

/* Creates or upgrades the audit schema when audit.pgward_schema_version() is older. */
int audit_ensure_schema(PGconn *c, char **err);
/*
 * Whether the connection's login (session_user) may write the trail: a member of
 * pgward_audit_writer. -1 with *err saying how to run role instead when it is not.
 */
int audit_check_writer(PGconn *c, const char *role, char **err);
int audit_begin_run(PGconn *c, const audit_run *run, char **err);
/* Appends statement and file rows (arrays, may be NULL or empty); idempotent. */
int audit_record(PGconn *c, const char *run_id, const cJSON *statements, const cJSON *files,
                 char **err);
int audit_finish_run(PGconn *c, const char *run_id, const char *status, const char *message,
                     char **err);
/* Records the approvals that counted for a running run's bundle (an array of objects
   approver, human, approved_at, note, key, signature; NULL or empty: nothing);
   idempotent. */
int audit_record_approvals(PGconn *c, const char *run_id, const cJSON *approvals, char **err);

/* One approver of a run, as the audit trail recorded it. */
typedef struct audit_approver {
    char *approver;
    bool human;
    char *approved_at; /* the approval's own time, YYYY-MM-DDTHH:MM:SSZ */
    char *note;
} audit_approver;

/*
 * The approvers of run run_id (audit.pgward_run_approvals), by name: for the
 * sign-off lines of a go/no-go report. *n is 0 for a run without approvals, and for
 * a trail before schema version 4 (no approvals recorded). Returns 0, or -1 with
 * *err (a database error: exit 3).
 */
int audit_run_approvers(PGconn *c, const char *run_id, audit_approver **out, size_t *n,
                        char **err);
void audit_approvers_free(audit_approver *a, size_t n);

/*
 * SQL for reading audit.locks (schema version 5) beside audit.statements s: the
 * locks statement s took as text ("ACCESS EXCLUSIVE public.t, ROW EXCLUSIVE
 * public.u"; "none": observed, none taken; NULL: not observed), or as a JSON array
 * of {relation, mode} (NULL: not observed). On an older trail, where the table does
 * not exist, audit_locks_sql() says NULL for every statement.
 */
#define AUDIT_LOCK_MODE_SQL(col)                                                        \
    "upper(regexp_replace(regexp_replace(" col ", 'Lock$', ''), '([a-z])([A-Z])', "     \
    "'\\1 \\2', 'g'))"
typedef enum { AUDIT_LOCKS_TEXT, AUDIT_LOCKS_JSON } audit_locks_form;
/* The expression (static storage), after looking for audit.locks: NULL with *err when
   the catalog cannot be read. */
const char *audit_locks_sql(PGconn *c, audit_locks_form form, char **err);

/* The audit.statements row (JSON, for audit_record) of a journal statement record,
   with the given status. */
cJSON *audit_statement_row(const cJSON *journal_record, const char *status);

/* The last committed checksum of path (*sha256 and *run malloc'd, NULL if never). */
int audit_file_last(PGconn *c, const char *path, char **sha256, char **run, char **err);

/* One statement of a no-transaction file as a resumed run finds it. */
typedef struct audit_progress {
    char *sha256;     /* NULL: not run (yet) */
    bool in_doubt;    /* it may have run: not settled */
    char *run;        /* the run and seq that recorded it */
    int seq;
} audit_progress;

/* The statements of path already run (or in doubt) outside a transaction since it
   last completed: (*progress)[file_seq - 1], *n entries. */
int audit_file_progress(PGconn *c, const char *path, audit_progress **progress, size_t *n,
                        char **err);
void audit_progress_free(audit_progress *p, size_t n);

/* Settles statement seq of run, recorded in doubt: outcome "ran" or "did-not-run",
   note saying how it is known; *where (malloc'd) is its file:line. */
int audit_settle(PGconn *c, const char *run, int seq, const char *outcome, const char *note,
                 char **where, char **err);

/*
 * Settles every run of the journal that is not audited yet with the audit tables:
 * decides for each transaction whether it committed (the journal, or the database
 * when COMMIT's outcome is unknown), writes the missing rows and the final status,
 * and appends `audited` to the journal. A run whose session is still alive on the
 * server is left in doubt. Prints one line per run on out. Returns the number of
 * runs left unsettled (0 = the journal and the audit tables agree), or -1 with *err.
 */
int audit_sync(PGconn *c, journal *j, const journal_runs *runs, FILE *out, char **err);

/* Prints the recent runs (run_id NULL) or one run's statements, as text or JSON. */
int audit_show(PGconn *c, const char *run_id, bool json, int limit, FILE *out, char **err);

#endif
