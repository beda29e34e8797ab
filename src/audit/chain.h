/*
 * chain.h: the audit trail's hash chain, recomputed in C from the rows and checked
 * against the local journal (`pgward audit verify`, the audit-trail gate of `pgward
 * verify`).
 *
 * sql/audit.sql seals every run it finishes with a chain position and the SHA-256 of
 * its chain text (pgward_chain_text there; the format is docs/audit.md's). This is a
 * second implementation of that text, written from the format and not from the SQL,
 * so that a function rewritten in the database cannot vouch for itself.
 *
 *   chain_trail t;
 *   chain_load(conn, &t, &err);                 // every run, its rows, the trail id
 *   chain_report rep = {0};
 *   chain_check(&t, runs_or_NULL, journal_path, &rep);
 *   ... rep.problems (none: the chain holds), rep.evidence ...
 *   chain_report_free(&rep); chain_trail_free(&t);
 */
#ifndef PGWARD_CHAIN_H
#define PGWARD_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "audit/journal.h"
#include "base/util.h"

#define CHAIN_HEADER "pgward-audit-chain 1"

/* One field of a line: "-" for NULL, else its length in bytes, ':' and the text. */
void chain_field(strbuf *sb, const char *value);

/* Appends "kind f1 f2 ...\n" (values may be NULL). */
void chain_line(strbuf *sb, const char *kind, const char *const *values, size_t n);

/* SHA-256 (hex) of a run's chain text: the header, "prev " + prev (64 zeros when
   NULL or empty), then body (its run, statement and file lines). */
void chain_run_hash(const char *prev, const char *body, size_t body_len, char out[65]);

/* SHA-256 (hex) of one statement or file line, without its newline. */
void chain_row_hash(const char *kind, const char *const *values, size_t n, char out[65]);

typedef struct chain_row {
    char *key;          /* a statement's seq, a file's path */
    char computed[65];  /* the hash of the line as it reads now */
    char stored[65];    /* chain_row as stored ("" when NULL) */
} chain_row;

typedef struct chain_run {
    char *id, *status, *role, *started;
    long long pos;               /* chain_pos, 0 when not in the chain */
    bool legacy;                 /* sealed at the upgrade from version 1 */
    char stored[65];             /* chain_hash ("" when NULL) */
    long long sealed_statements; /* chain_statements, -1 when NULL */
    long long sealed_files;      /* chain_files, -1 when NULL */
    char *body;                  /* its run, statement and file lines */
    size_t body_len;
    chain_row *statements, *files;
    size_t nstatements, nfiles;
} chain_run;

typedef struct chain_trail {
    bool unchained;   /* audit.runs has no chain (schema version 1) */
    char *trail;      /* audit.trail's id, or NULL */
    chain_run *runs;  /* sealed ones by position, then the others */
    size_t nruns, capruns;
} chain_trail;

/* Reads every run (and the rows of the sealed ones). Returns 0, or -1 with *err. */
int chain_load(PGconn *c, chain_trail *t, char **err);
void chain_trail_free(chain_trail *t);

typedef struct chain_report {
    char **problems;   /* a deleted, edited or forged row, named; none: the chain holds */
    size_t nproblems, capproblems;
    char **evidence;
    size_t nevidence, capevidence;
    long long head_pos; /* the last position, 0 when the chain is empty */
    char head_hash[65];
} chain_report;

/*
 * Checks the chain of t: positions 1..N without a gap, each run's hash recomputed
 * from its rows and its predecessor's hash, every finished run sealed. With runs (a
 * journal read with journal_read, named journal_name in messages), also: every run
 * the journal saw sealed in this trail is in the chain with the same position and
 * hash, and the chain does not end before the journal's last position.
 */
void chain_check(const chain_trail *t, const journal_runs *runs, const char *journal_name,
                 chain_report *rep);
void chain_report_free(chain_report *rep);

/*
 * A run's head as the database sealed it (audit.pgward_run_head): *pos 0 when it is
 * not sealed; *hash (65 bytes) and *trail (malloc'd, may be NULL) otherwise.
 */
int chain_run_head(PGconn *c, const char *run_id, long long *pos, char hash[65], char **trail,
                   char **err);

/* The run's head (chain_run_head) added to an audited journal record, when sealed. */
void chain_add_head(PGconn *c, const char *run_id, cJSON *audited);

#endif
