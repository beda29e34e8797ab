/*
 * apply_exec.c: sending a bundle's statements and recording each outcome; see
 * applier.h.
 *
 * Every statement passes prepare() (approved? resumed? journaled when it runs
 * outside a transaction) and complete() (its audit row and journal record, the
 * failure with its position mapped back into the script). In between it is either
 * sent alone (run_statement, the interpreter's runner) or pipelined (run_static).
 */
#include "apply/applier.h"
#include "apply/locks.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "conn/conn.h"
#include "conn/wait.h"
#include "base/digest.h"
#include "rules/lint.h"
#include "report/report.h"
#include "base/util.h"


/* A transaction holding this many relation locks lists in windows whatever runs:
   each listing reads every lock the session holds (pg_lock_status), so one per
   statement would cost the square of the transaction's size (2,000 CREATE TABLE in
   one transaction: 10 s against 2 s). */
#define LOCKS_MANY 512

/* Maps the server's 1-based character position in st->text to the script. */
static void locate_error(applier *a, const statement *st, const PGresult *res)
{
    free(a->fail_file);
    a->fail_file = xstrdup(st->src->name);
    a->fail_line = st->line;
    a->fail_col = st->column;
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    long chars = pos ? atol(pos) : 0;
    if (chars <= 0)
        return;
    size_t off = 0;
    for (long c = 1; off < st->text_len; off++) {
        if (((unsigned char)st->text[off] & 0xC0) != 0x80 && c++ == chars)
            break;
    }
    if (off >= st->text_len)
        return;
    size_t src_off = statement_source_offset(st, off);
    source_position(st->src, src_off, &a->fail_line, &a->fail_col);
}

static void set_failure(applier *a, const statement *st, const char *sqlstate,
                        const char *message, const PGresult *res)
{
    a->failed = true;
    snprintf(a->sqlstate, sizeof(a->sqlstate), "%s", sqlstate ? sqlstate : "");
    free(a->fail_message);
    a->fail_message = xstrdup(message);
    free(a->fail_detail);
    free(a->fail_hint);
    a->fail_detail = a->fail_hint = NULL;
    if (res) {
        const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        const char *h = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
        a->fail_detail = d ? xstrdup(d) : NULL;
        a->fail_hint = h ? xstrdup(h) : NULL;
        locate_error(a, st, res);
    } else {
        free(a->fail_file);
        a->fail_file = xstrdup(st->src->name);
        a->fail_line = st->line;
        a->fail_col = st->column;
    }
}

/* A statement on its way: what its outcome is recorded with. */
typedef struct pending {
    const statement *st;
    char sha[65];
    int seq, file_seq;
    double t0;
    double answered_at;  /* when its result arrived, if it waited for its locks */
    cJSON *locks;        /* the locks it took (locks.h), NULL: not observed */
    bool answered;       /* its result arrived (pipeline) */
    bool locks_query;    /* (pipeline) not the statement: the lock listing after it */
    bool listed;         /* (pipeline) a lock listing follows it */
    int locks_since;     /* the listing covers the statements from this seq to its own
                            (a window of DML, see run_static); 0: its own only */
} pending;

static cJSON *statement_record(applier *a, const pending *p, const char *status,
                               const char *tag, long long rows, double ms)
{
    const statement *st = p->st;
    cJSON *o = journal_event(a->r->run_id, "statement");
    cJSON_AddNumberToObject(o, "seq", p->seq);
    cJSON_AddNumberToObject(o, "txn", a->in_txn ? a->txn : 0);
    cJSON_AddStringToObject(o, "file", st->src->name);
    cJSON_AddNumberToObject(o, "file_seq", p->file_seq);
    cJSON_AddNumberToObject(o, "line", st->line);
    cJSON_AddNumberToObject(o, "col", st->column);
    cJSON_AddStringToObject(o, "sha256", p->sha);
    cJSON_AddStringToObject(o, "status", status);
    if (tag)
        cJSON_AddStringToObject(o, "command_tag", tag);
    if (rows >= 0)
        cJSON_AddNumberToObject(o, "rows_affected", (double)rows);
    cJSON_AddNumberToObject(o, "duration_ms", ms);
    if (p->locks) {
        cJSON_AddItemToObject(o, "locks", cJSON_Duplicate(p->locks, true));
        if (p->locks_since && p->locks_since < p->seq)
            cJSON_AddNumberToObject(o, "locks_since", p->locks_since);
    }
    if (a->failed && strcmp(status, "ok") != 0) {
        cJSON_AddStringToObject(o, "sqlstate", a->sqlstate);
        /* where the server says the error is, which may be past the statement's start */
        char *m = a->fail_file ? xasprintf("%s:%d:%d: %s", a->fail_file, a->fail_line,
                                           a->fail_col, a->fail_message ? a->fail_message : "")
                               : xstrdup(a->fail_message ? a->fail_message : "");
        cJSON_AddStringToObject(o, "message", m);
        free(m);
    }
    return o;
}

/*
 * Every statement's record is written as soon as its outcome is known (one write,
 * no fsync inside a transaction: until COMMIT it describes nothing durable, and
 * the journal is fsynced before commit-pending), so a killed run loses at most the
 * record of the statement in flight. A record that cannot be written stops the
 * run before the next statement is sent.
 */
static int journal_statement(applier *a, cJSON *rec, bool sync)
{
    return apply_journal_put(a, rec, sync);
}

/* Sends st and waits for its result, streaming COPY data both ways; every wait is
   one a signal interrupts (conn/wait.h). */
static PGresult *send_statement(applier *a, const statement *st)
{
    PGresult *res = conn_exec(a->c, st->text);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COPY_IN) {
        PQclear(res);
        conn_put_copy(a->c, st->copy_data ? st->copy_data : "", st->copy_data_len, NULL);
        res = conn_get_result(a->c);
        PGresult *extra;
        while ((extra = conn_get_result(a->c)) != NULL)
            PQclear(extra);
    } else if (s == PGRES_COPY_OUT) {
        PQclear(res);
        char *buf;
        int n;
        while ((n = conn_get_copy(a->c, &buf)) > 0) {
            fwrite(buf, 1, (size_t)n, a->o->out);
            PQfreemem(buf);
        }
        res = conn_get_result(a->c);
        PGresult *extra;
        while ((extra = conn_get_result(a->c)) != NULL)
            PQclear(extra);
    }
    return res;
}

/* \gset: the single row's columns become variables (NULL unsets, as in psql). */
static int gset_vars(applier *a, const statement *st, const PGresult *res, script_var **vars,
                     size_t *nvars)
{
    if (PQntuples(res) != 1) {
        set_failure(a, st, "", PQntuples(res) == 0 ? "no rows returned for \\gset"
                                                   : "more than one row returned for \\gset",
                    NULL);
        return -1;
    }
    *nvars = (size_t)PQnfields(res);
    *vars = xcalloc(*nvars ? *nvars : 1, sizeof(script_var));
    for (int k = 0; k < PQnfields(res); k++) {
        (*vars)[k].name = xasprintf("%s%s", st->gset_prefix ? st->gset_prefix : "",
                                    PQfname(res, k));
        (*vars)[k].value = PQgetisnull(res, 0, k) ? NULL : xstrdup(PQgetvalue(res, 0, k));
    }
    return 0;
}

/* A statement with run-time values: the gate again, on the text about to be sent. */
static int gate_again(applier *a, const script *s, const statement *st)
{
    script tmp = *s;
    memset(&tmp.findings, 0, sizeof(tmp.findings));
    lint_config cfg = {.policy = a->pol, .pg_version = PGWARD_GRAMMAR_MAJOR, .bundled = true};
    lint_check_modules(&cfg, a->role, &tmp, 1u << LINT_GATE | 1u << LINT_GATE_COVERAGE | 1u << LINT_GATE_SECURITY);
    int errors = 0;
    for (size_t i = 0; i < tmp.findings.count; i++) {
        const finding *f = &tmp.findings.items[i];
        if (f->severity == SEV_ERROR && f->src == st->src && f->offset >= st->offset &&
            f->offset <= st->offset + st->length) {
            if (errors++ == 0) {
                progress_clear(&a->progress);
                report_finding_text(a->o->err, f, false);
            }
        }
    }
    finding_list_free(&tmp.findings);
    return errors ? -1 : 0;
}

/*
 * An error the interpreter found at run time (a \gset into a name psql refuses, an
 * include that fails only now): stop before anything more is sent, as psql's
 * ON_ERROR_STOP does. Returns -1 after recording it, else 0.
 */
static int runtime_error(applier *a, const script *s)
{
    for (; a->findings_seen < s->findings.count; a->findings_seen++) {
        const finding *f = &s->findings.items[a->findings_seen];
        if (f->severity != SEV_ERROR)
            continue;
        a->failed = true;
        free(a->fail_file);
        free(a->fail_message);
        a->fail_file = xstrdup(f->file);
        a->fail_line = f->line;
        a->fail_col = f->column;
        a->fail_message = xasprintf("%s [%s]", f->message, rule_name(f->rule));
        return -1;
    }
    return 0;
}

/*
 * Everything before a statement is sent: it must be an approved one (or pass the
 * gate again with its run-time values); a statement of a resumed file that ran
 * before is skipped. Returns 0 to send it, 1 to skip it, -1 to stop.
 */
static int prepare(applier *a, const script *s, const statement *st, pending *p)
{
    if (s && runtime_error(a, s) < 0)
        return -1;
    if (apply_signal()) {
        a->cancelled = true;
        return -1;
    }
    const statement *ok = apply_find_approved(a, st);
    bool same = ok == st || (ok && ok->text_len == st->text_len &&
                             memcmp(ok->text, st->text, st->text_len) == 0);
    if (!same && !(ok && s && ok->uses_runtime_vars && !st->parse.error &&
                   gate_again(a, s, st) == 0)) {
        set_failure(a, st, "",
                    ok ? "the statement with its run-time values is not allowed for the role"
                       : "this statement was not in the approved bundle",
                    NULL);
        return -1;
    }
    /* a file-level transaction's own BEGIN and COMMIT: the file runs in apply's */
    if (a->cur->file_txn && ok && ok->file_txn != FILE_TXN_NONE)
        return 1;
    memset(p, 0, sizeof(*p));
    p->st = st;
    sha256_hex_of(st->text, st->text_len, p->sha);
    p->file_seq = ++a->file_seq;
    size_t idx = (size_t)(p->file_seq - 1);
    const audit_progress *done =
        a->cur->no_txn && idx < a->cur->nprogress ? &a->cur->progress[idx] : NULL;
    if (done && done->sha256) {
        if (strcmp(done->sha256, p->sha) != 0) {
            set_failure(a, st, "",
                        "this statement ran before with other text: refusing to resume", NULL);
            return -1;
        }
        if (done->in_doubt) {
            /* it may have run: sending it again could run it twice */
            char *m = xasprintf("this statement is in doubt since run %s (statement %d): it "
                                "may have run; check its effect, then record what happened "
                                "with 'pgward audit settle %s %d ran' (or 'did-not-run') "
                                "and apply again",
                                done->run, done->seq, done->run, done->seq);
            set_failure(a, st, "", m, NULL);
            free(m);
            a->refused = true;
            return -1;
        }
        a->nskipped++;
        return 1; /* ran before: resuming after it */
    }
    p->seq = ++a->seq;
    p->t0 = apply_now_ms();
    return 0;
}

/*
 * Before a statement that must run outside any transaction (CREATE INDEX
 * CONCURRENTLY, VACUUM, ...): a fsynced statement-start record, so a run that
 * dies while it runs leaves it in doubt, never forgotten.
 */
static int journal_started(applier *a, const pending *p)
{
    const statement *st = p->st;
    cJSON *start = journal_event(a->r->run_id, "statement-start");
    cJSON_AddNumberToObject(start, "seq", p->seq);
    cJSON_AddNumberToObject(start, "txn", 0);
    cJSON_AddStringToObject(start, "file", st->src->name);
    cJSON_AddNumberToObject(start, "file_seq", p->file_seq);
    cJSON_AddNumberToObject(start, "line", st->line);
    cJSON_AddStringToObject(start, "sha256", p->sha);
    return apply_journal_put(a, start, true);
}

/*
 * Records a statement's result (res may be NULL: the connection broke). For \gset
 * fills *vars. Returns 0, or -1 when the statement failed (a->failed is set).
 */
static int complete(applier *a, pending *p, const PGresult *res, script_var **vars,
                    size_t *nvars)
{
    const statement *st = p->st;
    /* in the pipeline a statement waits on the server for those sent before it: its
       time runs from its sending or the previous answer, whichever is later */
    double now = p->answered_at > 0 ? p->answered_at : apply_now_ms();
    double ms = now - (p->t0 > a->last_answer ? p->t0 : a->last_answer);
    a->last_answer = now;
    ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;
    cJSON *rec;
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY) {
        const char *tag = PQcmdStatus((PGresult *)res);
        const char *tuples = PQcmdTuples((PGresult *)res);
        long long rows = *tuples ? atoll(tuples) : es == PGRES_TUPLES_OK ? PQntuples(res) : -1;
        if (st->end == END_GSET && gset_vars(a, st, res, vars, nvars) < 0) {
            rc = -1;
            rec = statement_record(a, p, "failed", tag, rows, ms);
        } else {
            rec = statement_record(a, p, "ok", tag, rows, ms);
            a->nstatements++;
            if (a->o->verbose || a->o->dry_run)
                progress_clear(&a->progress);
            if (a->o->verbose || a->o->dry_run)
                fprintf(a->o->out, "  %s:%d: %s (%.1f ms)\n", st->src->name, st->line,
                        tag && *tag ? tag : "OK", ms);
        }
    } else {
        char *m = conn_error_message(a->c, res);
        const char *state = conn_sqlstate(res);
        if (PQstatus(a->c) == CONNECTION_BAD) {
            a->conn_lost = true;
            /* libpq's own "server closed the connection" has no SQLSTATE: say
               connection_failure, so the audit row is never without one */
            if (!*state)
                state = "08006";
            if (conn_interrupt_gave_up()) {
                /* pgward closed it (conn/wait.h): say so, not libpq's guess */
                free(m);
                m = xstrdup("no answer from the server after the cancel request: "
                            "connection closed");
            }
        }
        set_failure(a, st, state, m, res);
        /* cancelled: the server says so, or it could not be asked (a lost
           connection after the signal is the operator's cancel all the same) */
        if (apply_signal() && (strcmp(a->sqlstate, "57014") == 0 || a->conn_lost))
            a->cancelled = true;
        free(m);
        rc = -1;
        /* outside a transaction, an answer lost with the connection says nothing about
           whether the statement ran: it is in doubt, never failed */
        const char *status = a->cancelled                     ? "cancelled"
                             : !a->in_txn && a->conn_lost ? "in-doubt"
                                                              : "failed";
        rec = statement_record(a, p, status, NULL, -1, ms);
    }
    const char *status = cJSON_GetObjectItem(rec, "status")->valuestring;
    progress_step(&a->progress, st->src->name, st->line, ms);
    if (a->in_txn) {
        cJSON_AddItemToArray(a->rows, audit_statement_row(rec, status));
        if (journal_statement(a, rec, false) < 0)
            rc = -1;
    } else {
        /* outside a transaction: it is committed (or not) already; say so durably,
           then in the audit tables (or, when they cannot be reached now, when the
           run ends or by audit sync) */
        cJSON *row = audit_statement_row(rec, status);
        if (strcmp(status, "ok") == 0)
            a->nautocommitted++;
        if (journal_statement(a, rec, true) < 0)
            rc = -1;
        cJSON_AddItemToArray(a->unrecorded, row);
        apply_record_unrecorded(a);
    }
    cJSON_Delete(p->locks);
    p->locks = NULL;
    if (rc == 0 && apply_signal()) {
        a->cancelled = true;
        rc = -1;
    }
    return rc;
}

/* The locks p's statement (or its window) took, from the lock listing r after it. */
static void take_locks(applier *a, pending *p, const PGresult *r)
{
    p->locks = lock_tracker_take(&a->locks, r, p->seq);
}

static bool succeeded(const PGresult *res)
{
    ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    return es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY;
}

/* The lock listing after a statement that succeeded failed: the transaction is
   aborted by it, so the run fails, at the statement (whose own record says ok). */
static void locks_failed(applier *a, const pending *p, const PGresult *r)
{
    if (a->failed)
        return;
    char *m = conn_error_message(a->c, r);
    const char *state = conn_sqlstate(r);
    if (PQstatus(a->c) == CONNECTION_BAD) {
        a->conn_lost = true;
        if (!*state)
            state = "08006";
    }
    char *msg = xasprintf("cannot list the locks this statement took: %s", m);
    set_failure(a, p->st, state, msg, NULL);
    free(msg);
    free(m);
}

/*
 * After a statement that succeeded, alone: the locks it took (p->locks), when it
 * ran inside a transaction. Outside one its locks ended with it, and the
 * transaction's are forgotten. Returns NULL, or the listing's failed result.
 */
static PGresult *observe_locks(applier *a, pending *p)
{
    PGTransactionStatusType ts = PQtransactionStatus(a->c);
    if (ts != PQTRANS_INTRANS) {
        if (ts == PQTRANS_IDLE)
            lock_tracker_reset(&a->locks);
        return NULL;
    }
    const char *known[] = {lock_tracker_known(&a->locks)};
    PGresult *r = conn_exec_params(a->c, apply_locks_sql, 1, known);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return r;
    take_locks(a, p, r);
    PQclear(r);
    return NULL;
}

/* Sends p's statement alone, lists the locks it took, and records its outcome. */
static int send_alone(applier *a, pending *p, script_var **vars, size_t *nvars)
{
    lock_tracker_sent(&a->locks, p->seq, p->st->kind, p->st->text);
    PGresult *res = send_statement(a, p->st);
    PGresult *bad = NULL;
    if (succeeded(res)) {
        p->answered_at = apply_now_ms();
        bad = observe_locks(a, p);
    }
    int rc = complete(a, p, res, vars, nvars);
    PQclear(res);
    if (bad) {
        locks_failed(a, p, bad);
        PQclear(bad);
        rc = -1;
    }
    if (p->answered_at > 0)
        a->last_answer = apply_now_ms(); /* the listing is no statement's time */
    return rc;
}

/*
 * A statement of a no-transaction file that may run inside a transaction runs in
 * one of its own, committed with its audit row (apply_end_txn): neither exists
 * without the other, and a COMMIT whose answer is lost is settled like any other.
 * The rest (txn_statement_needs_no_transaction) runs bare, after a statement-start
 * record. Inside a transaction the script opened itself, statements just run.
 */
static bool own_transaction(const applier *a, const statement *st)
{
    return a->cur->no_txn && !a->in_txn && PQtransactionStatus(a->c) == PQTRANS_IDLE &&
           !apply_approved_bare(a, st);
}

/* The interpreter's runner: one statement, sent and answered before the next. */
static int run_statement(void *ctx, const script *s, const statement *st, script_var **vars,
                         size_t *nvars)
{
    applier *a = ctx;
    pending p;
    int rc = prepare(a, s, st, &p);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    bool own = own_transaction(a, st);
    if (own && apply_begin_txn(a, NULL) < 0)
        return -1;
    if (!a->in_txn && journal_started(a, &p) < 0)
        return -1;
    rc = send_alone(a, &p, vars, nvars);
    if (own)
        return apply_end_txn(a, rc, false);
    /* outside a transaction it has committed: what was pinned must still hold */
    if (rc == 0 && !a->in_txn && apply_check_run(a) < 0)
        rc = -1;
    return rc;
}

static void echo_text(void *ctx, const char *text, bool newline)
{
    applier *a = ctx;
    progress_clear(&a->progress);
    fprintf(a->o->out, "%s%s", text, newline ? "\n" : "");
}

/* ------------------------------------------------------------------ pipeline */

/*
 * A file whose statements do not depend on anything known only at run time (no
 * \gset, no \if on such values, no \echo) runs from the statements the static read
 * approved, without reading it again; inside a transaction they go out in libpq's
 * pipeline mode: sent back to back without waiting, results matched in order.
 * The first error aborts the rest of the pipeline on the server, and the
 * transaction with it, so all-or-nothing holds exactly as one at a time.
 * Statements that need a result before going on (COPY, several commands joined by
 * \;) go out alone, after the pipeline has drained.
 */
static bool needs_run_time(const script *s)
{
    if (s->nechos)
        return true;
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        if (st->end == END_GSET || st->conditional || st->uses_runtime_vars)
            return true;
    }
    return false;
}

static bool pipelinable(const statement *st)
{
    return st->parse.nstmts == 1 && !st->copy_data && st->end != END_GSET &&
           strcmp(st->kind, "CopyStmt") != 0;
}

typedef struct pipeline {
    pending *q;          /* sent, not fully answered, oldest first */
    size_t head, n, cap;
    size_t syncs;        /* Sync messages sent and not answered */
    conn_waiter wait;    /* the pipeline's wait: a signal cancels what runs */
    pending held;        /* a statement that succeeded, waiting for its lock listing */
    PGresult *held_res;  /* its result (NULL: none is waiting) */
    /* the window of DML statements one listing covers (run_static) */
    int window;          /* how many, at most: doubles while listings find nothing new */
    int unlisted;        /* sent since the last listing */
    int since;           /* the seq of the first of them */
} pipeline;

/* The lock listing lres arrived for the held statement: records it with them. */
static void finish_held(applier *a, pipeline *pl, const PGresult *lres)
{
    pending *h = &pl->held;
    bool listed = lres && PQresultStatus(lres) == PGRES_TUPLES_OK;
    if (listed) {
        take_locks(a, h, lres);
        /* nothing new: the next window may be longer; something: one at a time */
        int taken = cJSON_GetArraySize(h->locks);
        pl->window = taken && a->locks.n < LOCKS_MANY ? 1
                     : pl->window < 64                ? pl->window * 2
                                                      : 64;
    }
    PGresult *res = pl->held_res;
    pl->held_res = NULL;
    complete(a, h, res, NULL, NULL);
    PQclear(res);
    if (lres && !listed)
        locks_failed(a, h, lres);
    a->last_answer = apply_now_ms(); /* the listing is no statement's time */
}

static void pipe_lost(applier *a, pipeline *pl)
{
    a->conn_lost = true;
    /* a statement that succeeded is recorded so, its locks not observed */
    if (pl->held_res)
        finish_held(a, pl, NULL);
    /* the statement the server was running is the first one not answered yet */
    for (size_t i = 0; i < pl->n && !a->failed; i++) {
        pending *p = &pl->q[pl->head + i];
        if (!p->answered && p->locks_query) {
            set_failure(a, p->st, "08006",
                        "the connection was lost while listing the locks this statement "
                        "took",
                        NULL);
            break;
        }
        if (!p->answered) {
            complete(a, p, NULL, NULL, NULL);
            break;
        }
    }
    pl->n = 0;
    pl->syncs = 0;
}

/* Reads whatever results have arrived (block: until every one has). Returns 0/-1. */
static int pipe_pump(applier *a, pipeline *pl, bool block)
{
    for (;;) {
        int f = PQflush(a->c);
        if (f < 0 || !PQconsumeInput(a->c)) {
            pipe_lost(a, pl);
            return -1;
        }
        while (!PQisBusy(a->c)) {
            PGresult *res = PQgetResult(a->c);
            if (!res) {
                if (pl->n > 0 && pl->q[pl->head].answered) {
                    pl->head++;
                    pl->n--;
                    continue;
                }
                break;
            }
            ExecStatusType es = PQresultStatus(res);
            if (es == PGRES_PIPELINE_SYNC) {
                if (pl->syncs)
                    pl->syncs--;
            } else if (pl->n > 0) {
                pending *p = &pl->q[pl->head];
                if (p->locks_query) {
                    /* its statement failed: nothing waits for it (it was aborted) */
                    if (pl->held_res && !p->answered)
                        finish_held(a, pl, res);
                } else if (!p->answered && es != PGRES_PIPELINE_ABORTED && !a->failed) {
                    if (succeeded(res) && p->listed) {
                        /* recorded when its locks are listed, right behind it */
                        pl->held = *p;
                        pl->held.answered_at = apply_now_ms();
                        pl->held_res = res;
                        res = NULL;
                    } else {
                        complete(a, p, res, NULL, NULL);
                    }
                }
                p->answered = true;
            }
            PQclear(res);
        }
        if (PQstatus(a->c) == CONNECTION_BAD) {
            pipe_lost(a, pl);
            return -1;
        }
        if (f == 0 && (!block || (pl->n == 0 && pl->syncs == 0)))
            return 0;
        /* a signal: the server is asked to cancel, and a connection that does not
           answer in time is closed (conn/wait.h) */
        if (conn_wait(a->c, f == 1, &pl->wait) < 0) {
            pipe_lost(a, pl);
            return -1;
        }
    }
}

/* Sends p's statement into the pipeline, and the lock listing after it when list. */
static int pipe_send(applier *a, pipeline *pl, pending *p, bool list)
{
    if (pl->unlisted++ == 0)
        pl->since = p->seq;
    p->listed = list;
    p->locks_since = list ? pl->since : 0;
    if (list)
        pl->unlisted = 0;
    if (pl->head > 0 && pl->head + pl->n == pl->cap) {
        memmove(pl->q, pl->q + pl->head, pl->n * sizeof(pending));
        pl->head = 0;
    }
    GROW(pl->q, pl->cap, pl->head + pl->n + 2);
    pl->q[pl->head + pl->n++] = *p;
    lock_tracker_sent(&a->locks, p->seq, p->st->kind, p->st->text);
    if (!PQsendQueryParams(a->c, p->st->text, 0, NULL, NULL, NULL, NULL, 0)) {
        pipe_lost(a, pl);
        return -1;
    }
    /* the locks it took, listed in its transaction right behind it (locks.h) */
    if (list) {
        pending *l = &pl->q[pl->head + pl->n++];
        *l = *p;
        l->locks_query = true;
        const char *known[] = {lock_tracker_known(&a->locks)};
        if (!PQsendQueryParams(a->c, apply_locks_sql, 1, NULL, known, NULL, NULL, 0)) {
            pipe_lost(a, pl);
            return -1;
        }
    }
    /* the server sends each result as soon as it has it (a Flush after every
       statement, listed or in a window): every outcome is journaled when it happens,
       so a killed run loses at most the statement in flight, and a lost connection
       is blamed on the statement the server was running, the first one not
       answered */
    if (!PQsendFlushRequest(a->c)) {
        pipe_lost(a, pl);
        return -1;
    }
    return pipe_pump(a, pl, false);
}

static int pipe_enter(applier *a)
{
    if (!PQenterPipelineMode(a->c) || PQsetnonblocking(a->c, 1) != 0) {
        a->failed = true;
        a->fail_message = xstrdup("cannot enter libpq's pipeline mode");
        return -1;
    }
    return 0;
}

/* Syncs, waits for every result, and leaves pipeline mode. */
static int pipe_drain(applier *a, pipeline *pl)
{
    int rc = 0;
    if (PQpipelineStatus(a->c) == PQ_PIPELINE_OFF)
        return 0;
    if (PQstatus(a->c) != CONNECTION_BAD) {
        if (!PQpipelineSync(a->c))
            pipe_lost(a, pl);
        else
            pl->syncs++;
        rc = pipe_pump(a, pl, true);
    }
    if (PQstatus(a->c) != CONNECTION_BAD) {
        PQexitPipelineMode(a->c);
        PQsetnonblocking(a->c, 0);
    }
    pl->head = pl->n = pl->syncs = 0;
    pl->wait = (conn_waiter){0};
    return rc < 0 || a->failed ? -1 : 0;
}

/* DML: a statement whose locks a window may cover (run_static). */
static bool window_kind(const statement *st)
{
    static const char *const kinds[] = {"InsertStmt", "UpdateStmt", "DeleteStmt",
                                        "SelectStmt", "MergeStmt"};
    if (!st || !pipelinable(st) || !st->kind)
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (strcmp(st->kind, kinds[i]) == 0)
            return true;
    return false;
}

/*
 * Runs the approved statements of a file that needs nothing at run time.
 *
 * The lock listing (locks.h) costs the server about as much as a small statement,
 * so a run of DML statements shares it: a window of them is listed once, at its
 * end, and what is new is recorded as taken by one of them (locks_since: the
 * first), held from the first: never missed, never held for less than it was. A
 * window grows (2, 4, ... 64) while its listings find nothing new and is back to
 * one statement as soon as one does, so the first statement of each kind of work
 * is listed alone; every other statement (DDL, LOCK, SET, ...) is listed alone,
 * and so is the statement before it, until the transaction holds LOCKS_MANY
 * locks: from there every statement joins windows, which keep growing.
 */
static int run_static(applier *a, const script *s)
{
    if (!a->in_txn) {
        for (size_t i = 0; i < s->nstmts && !a->failed; i++)
            if (run_statement(a, NULL, &s->stmts[i], NULL, NULL) < 0)
                return -1;
        return a->failed ? -1 : 0;
    }
    pipeline pl = {.window = 1};
    int rc = 0;
    for (size_t i = 0; i < s->nstmts && rc == 0 && !a->failed; i++) {
        const statement *st = &s->stmts[i];
        pending p;
        int prc = prepare(a, NULL, st, &p);
        if (prc < 0) {
            rc = -1;
        } else if (prc == 0 && pipelinable(st)) {
            const statement *next = i + 1 < s->nstmts ? &s->stmts[i + 1] : NULL;
            bool many = a->locks.n >= LOCKS_MANY;
            /* a window closes before the file's end and before anything sent alone */
            bool list = !next || !pipelinable(next) || !(many || window_kind(st)) ||
                        !(many || window_kind(next)) || pl.unlisted + 1 >= pl.window;
            if (PQpipelineStatus(a->c) == PQ_PIPELINE_OFF && pipe_enter(a) < 0)
                rc = -1;
            else
                rc = pipe_send(a, &pl, &p, list);
        } else if (prc == 0) {
            rc = pipe_drain(a, &pl) < 0 ? -1 : send_alone(a, &p, NULL, NULL);
            pl.window = 1;
        }
    }
    if (pipe_drain(a, &pl) < 0)
        rc = -1;
    if (pl.held_res) /* only when the run stopped before its listing was read */
        finish_held(a, &pl, NULL);
    free(pl.q);
    return rc < 0 || a->failed ? -1 : 0;
}

/* Runs one file: from its approved statements, or through the interpreter in
   run-time mode when it needs run-time values. Returns 0 or -1. */
int apply_run_file(applier *a, unit_file *uf)
{
    a->cur = uf;
    a->file_seq = 0;
    int rc;
    if (!needs_run_time(uf->checked)) {
        rc = run_static(a, uf->checked);
    } else {
        script_runner runner = {
            .ctx = a, .run = run_statement, .echo = echo_text};
        script_options opt;
        apply_script_options(a, &opt); /* checked when the bundle was linted */
        opt.runner = &runner;
        const char *vars[][2] = {{"DBNAME", PQdb(a->c)},
                                 {"USER", PQuser(a->c)},
                                 {"HOST", PQhost(a->c)},
                                 {"PORT", PQport(a->c)}};
        for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
            if (vars[i][1])
                script_set_var(&opt, vars[i][0], vars[i][1]);
        a->findings_seen = 0;
        script *s = script_read_file(uf->path, &opt);
        bool stopped = s->stopped || (!a->failed && runtime_error(a, s) < 0);
        script_free(s);
        script_options_free(&opt);
        rc = stopped || a->failed ? -1 : 0;
    }
    if (rc < 0 || a->cancelled)
        return -1;
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "path", uf->path);
    cJSON_AddStringToObject(f, "sha256", uf->checksum);
    cJSON_AddNumberToObject(f, "txn", a->in_txn ? a->txn : 0);
    cJSON_AddItemToArray(a->file_rows, f);
    return 0;
}
