/*
 * journal.h: pgward apply's local, append-only, fsynced journal of runs.
 *
 * The journal is the record that survives when the database cannot be reached:
 * `pgward apply` appends an event before and after every point where the database
 * can commit, and `pgward audit sync` folds the events back into runs and settles
 * with the audit tables whatever the database does not know yet. One JSON object
 * per line (JSON Lines), written with a single write(2) on an O_APPEND descriptor,
 * so concurrent writers never interleave inside a line; fsync(2) when asked.
 *
 * Every record has: "v" (format, 1), "run" (uuid text), "event" (below), "time"
 * (UTC, ISO 8601 with milliseconds, added by journal_append). Events and their
 * other fields (all optional unless marked *):
 *   begin            bundle*, policy*, role*, mode*, target (host/port/dbname/user,
 *                    never a password), backend_pid, client
 *   statement        seq*, txn* (0: none), file*, file_seq, line, col, sha256*,
 *                    status* ("ok", "failed", "cancelled", "in-doubt", "skipped"),
 *                    command_tag, rows_affected, duration_ms, sqlstate, message
 *                    (named like audit.statements' columns)
 *   statement-start  seq*, txn*, file*, file_seq, line, sha256* (before a statement that runs
 *                    outside a transaction, so txn 0; always fsynced)
 *   commit-pending   txn* (fsynced just before COMMIT)
 *   commit           txn* (COMMIT returned success)
 *   rollback         txn*
 *   end              status* ("committed", "failed", "cancelled", "dry-run"), message
 *   audited          chain_pos, chain_hash, trail (the audit tables hold this run's
 *                    final state: nothing to sync; the run's position and hash in the
 *                    audit trail's hash chain and the trail's id, audit.trail, when the
 *                    database sealed it: what `audit verify` cross-checks)
 *
 *   journal *j = journal_open(path, &err);
 *   cJSON *e = journal_event(run_id, "commit-pending");
 *   cJSON_AddNumberToObject(e, "txn", 1);
 *   journal_append(j, e, true, &err);     // takes ownership of e
 *   journal_close(j);
 *
 *   journal_runs runs;
 *   journal_read(path, &runs, &err);     // fold every event into its run
 *   ... runs.items[i] ...
 *   journal_runs_free(&runs);
 *
 * Nothing here is global; a journal handle belongs to one thread.
 */
#ifndef PGWARD_JOURNAL_H
#define PGWARD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define JOURNAL_FORMAT 1
/* Longest line journal_read accepts (a line longer than this is an error). */
#define JOURNAL_MAX_LINE ((size_t)1 << 20)
/* Largest journal journal_read accepts. */
#define JOURNAL_MAX_SIZE ((size_t)1 << 30)

typedef struct journal journal;

/*
 * Opens (creating it, mode 0600, and its missing parent folders, mode 0700) the
 * journal at path for appending. A last line cut short by a crash is moved to
 * "<path>.torn" first, so later records start on lines of their own. Appends and
 * this repair hold flock(2) on the journal. Returns NULL with *err (malloc'd) on failure:
 * "cannot open journal 'path': <strerror>".
 */
journal *journal_open(const char *path, char **err);

/* A new record {"v":1,"run":run_id,"event":event}; add fields, then append it. */
cJSON *journal_event(const char *run_id, const char *event);

/*
 * Adds "time" (replacing any), checks the record with the rules journal_read
 * applies, writes it as one line with one write(2) and, when sync is true, fsyncs
 * the file. Always takes ownership of (and frees) record. Returns 0, or -1 with *err
 * when the record is not valid or longer than JOURNAL_MAX_LINE (nothing is written:
 * a line the reader refuses would make the whole journal unreadable), or when the
 * line could not be written or synced completely (a write the kernel cut short is
 * finished but still reported: another writer's line may have come in between).
 */
int journal_append(journal *j, cJSON *record, bool sync, char **err);

/*
 * The same for n records at once, written with one write(2) under one lock (a
 * batch of statements inside a transaction). Takes ownership of every record,
 * also on error; n may be 0 (then only syncs when asked).
 */
int journal_append_many(journal *j, cJSON **records, size_t n, bool sync, char **err);

/* The path the journal was opened with. */
const char *journal_path(const journal *j);

void journal_close(journal *j);

/*
 * Transactions are numbered from 1 within a run; txn 0 in a statement or
 * statement-start record means the statement ran outside any transaction, and is
 * not a transaction in journal_run.txns. A statement record with txn N adds
 * transaction N (TXN_OPEN) when it is new; commit-pending, commit and rollback add
 * it when new and set its state (the last of them wins).
 */
typedef enum journal_txn_state {
    TXN_OPEN,           /* statements ran; no commit-pending, commit or rollback */
    TXN_COMMIT_PENDING, /* COMMIT was about to be sent; its outcome is unknown */
    TXN_COMMITTED,
    TXN_ROLLED_BACK,
} journal_txn_state;

typedef struct journal_txn {
    int txn;
    journal_txn_state state;
} journal_txn;

typedef struct journal_run {
    char *run;               /* the run's uuid */
    cJSON *begin;            /* the begin record, or NULL when it is missing */
    cJSON **statements;      /* statement records, by seq (the last record per seq) */
    size_t nstatements, capstatements;
    cJSON *started;          /* the last statement-start record not followed by its
                                statement record (a statement in doubt), or NULL */
    journal_txn *txns;       /* in order of first mention */
    size_t ntxns, captxns;
    cJSON *end;              /* the end record, or NULL */
    bool audited;            /* an audited record was seen */
    long long chain_pos;     /* the last audited record's chain_pos, 0 when none */
    char chain_hash[65];     /* its chain_hash, "" when none */
    char *trail;             /* its trail, or NULL */
    int audited_line;        /* the line of that audited record (0: none) */
    int first_line;          /* line of the run's first record */
} journal_run;

typedef struct journal_runs {
    journal_run *items;      /* in order of first appearance */
    size_t count, cap;
    char **warnings;         /* "path:line: ..." for a torn last line (ignored) */
    size_t nwarnings, capwarnings;
} journal_runs;

/*
 * Reads the journal at path and folds its records into runs. A missing file is an
 * empty journal. A last line without its newline (a write cut short by a crash) is
 * ignored with a warning (journal_open() sets such a tail aside in "<path>.torn"
 * before appending again); any other line that is not a valid record is an error:
 * returns -1 with *err = "path:line:col: what is wrong" (col 1-based, from cJSON's
 * error position when the JSON itself is malformed, else 1). Returns 0 on success.
 *
 * A valid record is one JSON object on its line (an empty line is an error) with
 * "v" 1, "run" (1 to 64 printable ASCII characters, no spaces), a known "event" and
 * that event's fields marked * above; every field listed above, when present, has
 * its type (seq, txn, file_seq, line, col, backend_pid: integers 0 to INT_MAX, txn of
 * commit-pending/commit/rollback from 1; rows_affected, duration_ms, chain_pos:
 * non-negative numbers (integers but duration_ms); chain_hash: 64 lowercase hex; status:
 * one of the values listed; target: an object; time: as journal_append writes it;
 * the rest strings). null stands for an absent optional field; other fields are
 * kept and not checked. A second begin record for a run is an error; a later end
 * record replaces an earlier one. Lines longer than JOURNAL_MAX_LINE and journals
 * larger than JOURNAL_MAX_SIZE are errors.
 *
 * *out is overwritten (it need not be initialised) and left empty on error;
 * journal_runs_free() is safe either way.
 */
int journal_read(const char *path, journal_runs *out, char **err);

/* The same over text in memory (fuzzing, tests): len bytes, no NUL terminator
   needed; name is used in messages. */
int journal_read_memory(const char *name, const char *text, size_t len, journal_runs *out,
                        char **err);

/* The run with this id, or NULL. */
journal_run *journal_runs_find(journal_runs *runs, const char *run_id);

void journal_runs_free(journal_runs *runs);

#endif
