/*
 * run_state.c: what every step of a run shares (apply.c runs the steps,
 * apply_exec.c sends the statements): the signals that cancel it, the journal,
 * how the bundle's files are read (from the bytes verified), and the statements the lint approved.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/applier.h"
#include "base/util.h"
#include "conn/conn.h"
#include "conn/wait.h"

/* ------------------------------------------------------------------ signals */

static volatile sig_atomic_t caught_signal;

/*
 * Only records the signal and wakes the waits (conn/wait.h): cancelling happens in
 * the main loop, with bounded waits. A second signal ends the process at once: a
 * fixed message by write(2), then _exit with the cancel status (128 + signal); the
 * journal on disk is what `pgward audit sync` needs (each record one write(2), so at
 * worst a torn last line, which journal_open moves aside).
 */
static void on_signal(int sig)
{
    if (caught_signal) {
        static const char m[] = "pgward: second signal: exiting at once; the run is left "
                                "for 'pgward audit sync'\n";
        ssize_t n = write(STDERR_FILENO, m, sizeof(m) - 1);
        (void)n;
        _exit(128 + sig);
    }
    caught_signal = sig;
    conn_interrupt_raise();
}

int apply_signal(void)
{
    return caught_signal;
}

void apply_reset_signal(void)
{
    caught_signal = 0;
    conn_interrupt_reset();
}

void apply_install_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    conn_interrupt_open();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    /* waits do not rely on EINTR (the wake pipe), and nothing else should see it */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

void apply_fail(applier *a, bool refused, char *message)
{
    if (a->failed && !refused) {
        /* the first failure is the run's; this one is said, not lost */
        progress_clear(&a->progress);
        fprintf(a->o->err, "pgward: %s\n", message);
        free(message);
        return;
    }
    a->failed = true;
    a->refused = a->refused || refused;
    a->sqlstate[0] = '\0';
    free(a->fail_file);
    a->fail_file = NULL;
    free(a->fail_message);
    a->fail_message = message;
}

/* Journals rec; a journal that cannot be written stops the run (nothing is lost):
   the failure, naming the journal, becomes the run's. */
int apply_journal_put(applier *a, cJSON *rec, bool sync)
{
    char *err = NULL;
    if (journal_append(a->j, rec, sync, &err) == 0)
        return 0;
    a->journal_broken = true;
    apply_fail(a, false, err);
    return -1;
}

/* ------------------------------------------------------------------ pinned settings */

int apply_query_failed(applier *a, PGresult *r, const char *what)
{
    char *m = conn_error_message(a->c, r);
    if (PQstatus(a->c) == CONNECTION_BAD)
        a->conn_lost = true;
    if (!a->failed) {
        a->failed = true;
        snprintf(a->sqlstate, sizeof(a->sqlstate), "%s", conn_sqlstate(r));
        free(a->fail_message);
        a->fail_message = xasprintf("%s: %s", what, m);
    }
    free(m);
    PQclear(r);
    return -1;
}

int apply_simple(applier *a, const char *sql)
{
    PGresult *r = conn_exec(a->c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        return apply_query_failed(a, r, sql);
    PQclear(r);
    return 0;
}

/* The apply lock is held by this session (column 1 of the check's query). */
#define LOCK_HELD_SQL                                                                      \
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND "    \
    "database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "                  \
    "pg_catalog.current_database()) AND classid = 1885827950 AND objid = 0 AND "           \
    "objsubid = 2 AND pid = pg_catalog.pg_backend_pid() AND granted)"

int apply_check_run(applier *a)
{
    if (!a->run_check_sql) {
        /* the lock, then the pinned settings (policy order) in one round trip */
        a->run_check_sql = a->pinned ? xasprintf("SELECT (%s), %s", LOCK_HELD_SQL,
                                                 a->pin_sql + strlen("SELECT "))
                                     : xstrdup(LOCK_HELD_SQL);
    }
    int ncols = 1 + (a->pinned ? POLICY_NPINNED : 0);
    PGresult *r = conn_exec(a->c, a->run_check_sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != ncols)
        return apply_query_failed(a, r, "cannot check that the run still holds its lock "
                                        "and settings");
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        /* another apply may hold it now: committing could apply the bundle twice */
        PQclear(r);
        apply_fail(a, true,
                   xstrdup("this session no longer holds the apply lock (released by the "
                           "script, or lost): another apply may be running; stopping"));
        return -1;
    }
    if (!a->pinned) {
        PQclear(r);
        return 0;
    }
    int rc = 0;
    /* search_path (the last) is the script's to set: the gate follows every change
       of it from the pinned value, and refuses the routes it cannot follow */
    for (int i = 0; i < POLICY_NPINNED - 1 && rc == 0; i++) {
        const char *now = PQgetvalue(r, 0, i + 1);
        if (strcmp(now, a->pin_values[i]) == 0)
            continue;
        apply_fail(a, true,
                   xasprintf("pinned setting %s changed during the run: now '%s', "
                             "pinned '%s'",
                             a->pins[i].name, now, a->pin_values[i]));
        rc = -1;
    }
    PQclear(r);
    return rc;
}

/* ------------------------------------------------------------------ files and statements */

int apply_script_options(const applier *a, script_options *opt)
{
    /* the bytes bundle_verify_bytes() checked, never the folder again */
    return bundle_script_options(&a->info, opt);
}

static int cmp_approved(const void *x, const void *y)
{
    const approved *p = x, *q = y;
    int c = strcmp(p->file, q->file);
    if (c)
        return c;
    return p->offset < q->offset ? -1 : p->offset > q->offset;
}

const statement *apply_find_approved(const applier *a, const statement *st)
{
    approved key = {.file = st->src->name, .offset = st->offset};
    approved *hit = a->napproved == 0 ? NULL
                    : bsearch(&key, a->approved, a->napproved, sizeof(approved), cmp_approved);
    return hit ? hit->st : NULL;
}

bool apply_approved_bare(const applier *a, const statement *st)
{
    approved key = {.file = st->src->name, .offset = st->offset};
    approved *hit = a->napproved ? bsearch(&key, a->approved, a->napproved, sizeof(approved),
                                           cmp_approved)
                                 : NULL;
    return hit && hit->bare;
}

void apply_sort_approved(applier *a)
{
    if (a->napproved > 0) /* qsort's array must not be NULL, even empty */
        qsort(a->approved, a->napproved, sizeof(approved), cmp_approved);
}
