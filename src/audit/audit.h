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

#define AUDIT_SCHEMA_VERSION 1

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
int audit_begin_run(PGconn *c, const audit_run *run, char **err);
/* Appends statement and file rows (arrays, may be NULL or empty); idempotent. */
int audit_record(PGconn *c, const char *run_id, const cJSON *statements, const cJSON *files,
                 char **err);
int audit_finish_run(PGconn *c, const char *run_id, const char *status, const char *message,
                     char **err);

/* The audit.statements row (JSON, for audit_record) of a journal statement record,
   with the given status. */
cJSON *audit_statement_row(const cJSON *journal_record, const char *status);

/* The last committed checksum of path (*sha256 and *run malloc'd, NULL if never). */
int audit_file_last(PGconn *c, const char *path, char **sha256, char **run, char **err);

/* Statement hashes of path already run outside a transaction since it last completed:
   (*hashes)[file_seq - 1] (NULL where none), *n entries. */
int audit_file_progress(PGconn *c, const char *path, char ***hashes, size_t *n, char **err);

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
