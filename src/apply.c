/*
 * apply.c: pgward apply; see apply.h.
 *
 * The run, in order (nothing of the bundle is sent before step 6):
 *   1. verify the bundle; load the policy it carries; pick its role
 *   2. read every file statically and lint it (gate + transaction rules): the
 *      statements found are the approved ones, looked up by (file, offset) later
 *   3. connect; make sure the audit schema exists; check or SET ROLE the role
 *   4. take the advisory lock on a second connection (bounded wait, names the holder)
 *   5. skip files already applied with the same checksum, refuse changed ones
 *   6. units: consecutive transactional files form one unit (or one per file with
 *      --txn file); a `-- pgward:no-transaction` file is a unit of its own whose
 *      statements commit one by one. Each unit runs through the interpreter in
 *      run-time mode; every statement it produces must be an approved one (or, when
 *      it uses \gset values, pass the gate again with those values) before it is sent
 *   7. commit with the audit rows inside the transaction, or roll back and record
 *
 * Signals: SIGINT/SIGTERM cancel the running statement (PQcancel is safe in a signal
 * handler); the run then rolls back and is recorded as cancelled. The handler's
 * state is the one piece of global state here, as a signal handler needs it.
 */
#include "apply.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "audit.h"
#include "bundle.h"
#include "digest.h"
#include "gate.h"
#include "journal.h"
#include "policy.h"
#include "report.h"
#include "script.h"
#include "txn_rules.h"
#include "util.h"

#define LOCK_KEY1 1885827950 /* "pgwa" */
#define LOCK_KEY2 0

/* ------------------------------------------------------------------ signals */

static volatile sig_atomic_t caught_signal;
static PGcancel *volatile cancel_handle;

static void on_signal(int sig)
{
    caught_signal = sig;
    PGcancel *h = cancel_handle;
    if (h) {
        char buf[256];
        PQcancel(h, buf, sizeof(buf));
    }
}

static void install_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

/* ------------------------------------------------------------------ state */

typedef struct approved {
    const char *file;     /* source name */
    size_t offset;
    const statement *st;
} approved;

typedef struct unit_file {
    const char *path;     /* bundle path (relative to files/) */
    script *checked;      /* the static read */
    char checksum[65];    /* the file and what it includes */
    bool no_txn;
    bool skip;            /* applied before with the same checksum */
    char **progress;      /* no-transaction file: hashes already run, by file_seq */
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
    bool finished_in_txn;  /* the last transaction also set the run's final status */
    approved *approved;
    size_t napproved, capapproved;
    PGconn *c, *lockc;
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
    cJSON **batch;         /* journal records not written yet (see flush_journal) */
    size_t nbatch, capbatch;
    cJSON *file_rows;
    size_t nstatements, nskipped;
    /* the failure, if any */
    bool failed, cancelled, conn_lost;
    char *fail_file;
    int fail_line, fail_col;
    char sqlstate[6];
    char *fail_message, *fail_detail, *fail_hint;
} applier;

apply_opts apply_opts_default(void)
{
    apply_opts o;
    memset(&o, 0, sizeof(o));
    o.lock_wait_seconds = 10;
    o.out = stdout;
    o.err = stderr;
    return o;
}

char *apply_default_journal(void)
{
    const char *env = getenv("PGWARD_JOURNAL");
    if (env && *env)
        return xstrdup(env);
    const char *state = getenv("XDG_STATE_HOME");
    if (state && *state)
        return xasprintf("%s/pgward/journal.jsonl", state);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/tmp";
    }
    return xasprintf("%s/.local/state/pgward/journal.jsonl", home);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void iso_now(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(tv.tv_usec / 1000));
}

static void make_uuid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        /* OpenSSL's generator failing is not something to run a migration on */
        fprintf(stderr, "pgward: cannot get random bytes for the run id\n");
        abort();
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static char *client_name(void)
{
    char host[256] = "?";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    struct passwd *pw = getpwuid(getuid());
    return xasprintf("%s@%s", pw ? pw->pw_name : "?", host);
}

static int refuse(applier *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int refuse(applier *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(a->o->err, "pgward: %s\n", m);
    free(m);
    a->r->status = APPLY_REFUSED;
    return -1;
}

/*
 * Fault injection for the integration tests: PGWARD_TEST_FAULT=point kills this
 * process with SIGKILL at that point, the one crash a test cannot time from
 * outside: "before-commit" (journal says commit-pending, COMMIT not sent) and
 * "after-commit" (COMMIT succeeded, the journal does not know yet).
 */
static void fault_point(const char *point)
{
    const char *f = getenv("PGWARD_TEST_FAULT");
    if (f && strcmp(f, point) == 0)
        raise(SIGKILL);
}

/* Journals rec; a journal that cannot be written stops the run (nothing is lost). */
static int journal_put(applier *a, cJSON *rec, bool sync)
{
    char *err = NULL;
    if (journal_append(a->j, rec, sync, &err) < 0) {
        fprintf(a->o->err, "pgward: %s\n", err);
        free(err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ step 1-2 */

static int cmp_approved(const void *x, const void *y)
{
    const approved *p = x, *q = y;
    int c = strcmp(p->file, q->file);
    if (c)
        return c;
    return p->offset < q->offset ? -1 : p->offset > q->offset;
}

static const statement *find_approved(const applier *a, const statement *st)
{
    approved key = {.file = st->src->name, .offset = st->offset};
    approved *hit = bsearch(&key, a->approved, a->napproved, sizeof(approved), cmp_approved);
    return hit ? hit->st : NULL;
}

/* Reads and lints every file of the bundle (cwd is the bundle's files/ folder). */
static int check_files(applier *a)
{
    size_t errors = 0;
    bool color = report_want_color(2);
    script_options opt = script_options_default();
    opt.root = ".";
    for (size_t i = 0; i < a->info.nfiles; i++) {
        if (a->info.files[i].included)
            continue;
        GROW(a->files, a->capfiles, a->nfiles + 1);
        unit_file *uf = &a->files[a->nfiles++];
        memset(uf, 0, sizeof(*uf));
        uf->path = a->info.files[i].path;
        script *s = uf->checked = script_read_file(uf->path, &opt);
        gate_check_script(a->pol, a->role, s);
        txn_check_script(a->pol, s);
        finding_list_sort(&s->findings);
        for (size_t k = 0; k < s->findings.count; k++) {
            const finding *f = &s->findings.items[k];
            if (f->severity == SEV_ERROR) {
                errors++;
                report_finding_text(a->o->err, f, color);
            }
        }
        uf->no_txn = s->nsources > 0 && txn_source_no_transaction(s->sources[0]);
        strbuf sums = {0};
        for (size_t k = 0; k < s->nsources; k++) {
            char h[65];
            sha256_hex_of(s->sources[k]->text, s->sources[k]->len, h);
            sb_addf(&sums, "%s %s\n", h, s->sources[k]->name);
        }
        sha256_hex_of(sums.buf ? sums.buf : "", sums.len, uf->checksum);
        sb_free(&sums);
        for (size_t k = 0; k < s->nstmts; k++) {
            GROW(a->approved, a->capapproved, a->napproved + 1);
            a->approved[a->napproved++] = (approved){
                .file = s->stmts[k].src->name, .offset = s->stmts[k].offset, .st = &s->stmts[k]};
        }
    }
    script_options_free(&opt);
    qsort(a->approved, a->napproved, sizeof(approved), cmp_approved);
    if (errors)
        return refuse(a, "refusing to apply: %zu error-level finding%s for role '%s'", errors,
                      errors == 1 ? "" : "s", a->role->name);
    return 0;
}

/* ------------------------------------------------------------------ step 3-5 */

static PGresult *query1(applier *a, PGconn *c, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        char *m = conn_error_message(c, r);
        fprintf(a->o->err, "pgward: %s\n", m);
        free(m);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int connect_and_check_role(applier *a)
{
    char *err = NULL;
    char *app = xasprintf("pgward apply %s", a->r->run_id);
    a->c = conn_open(a->o->params, a->o->db, app, &err);
    free(app);
    if (!a->c) {
        fprintf(a->o->err, "pgward: cannot connect: %s\n", err);
        free(err);
        a->r->status = APPLY_REFUSED;
        return -1;
    }
    a->target = conn_describe(a->c);
    PQsetNoticeProcessor(a->c, NULL, NULL);
    if (audit_ensure_schema(a->c, &err) < 0) {
        int rc = refuse(a, "%s", err);
        free(err);
        return rc;
    }
    PGresult *r = query1(a, a->c, "SELECT current_user, session_user", 0, NULL);
    if (!r)
        return refuse(a, "cannot read the connection's role");
    bool same = strcmp(PQgetvalue(r, 0, 0), a->role->name) == 0;
    char *current = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!same && !a->o->set_role) {
        int rc = refuse(a,
                        "connected as '%s' but the bundle runs as '%s': connect as '%s', or "
                        "give --set-role to SET ROLE to it",
                        current, a->role->name, a->role->name);
        free(current);
        return rc;
    }
    free(current);
    if (!same) {
        char *ident = PQescapeIdentifier(a->c, a->role->name, strlen(a->role->name));
        char *sql = xasprintf("SET ROLE %s", ident);
        PQfreemem(ident);
        r = query1(a, a->c, sql, 0, NULL);
        free(sql);
        if (!r)
            return refuse(a, "cannot SET ROLE '%s'", a->role->name);
        PQclear(r);
    }
    /* the policy's settings, then the flags */
    for (size_t i = 0; i < a->pol->nsettings; i++) {
        const char *name = a->pol->settings[i].name, *value = a->pol->settings[i].value;
        if (strcmp(name, "lock_timeout") == 0 && a->o->lock_timeout)
            value = a->o->lock_timeout;
        if (strcmp(name, "statement_timeout") == 0 && a->o->statement_timeout)
            value = a->o->statement_timeout;
        const char *v[] = {name, value};
        r = query1(a, a->c, "SELECT set_config($1, $2, false)", 2, v);
        if (!r)
            return refuse(a, "cannot set '%s' from the policy", name);
        PQclear(r);
    }
    const char *flags[][2] = {{"lock_timeout", a->o->lock_timeout},
                              {"statement_timeout", a->o->statement_timeout}};
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
        if (!flags[i][1])
            continue;
        r = query1(a, a->c, "SELECT set_config($1, $2, false)", 2, flags[i]);
        if (!r)
            return refuse(a, "invalid --%s '%s'", i ? "statement-timeout" : "lock-timeout",
                          flags[i][1]);
        PQclear(r);
    }
    return 0;
}

static int take_lock(applier *a)
{
    char *err = NULL;
    char *app = xasprintf("pgward apply %s (lock)", a->r->run_id);
    a->lockc = conn_open(a->o->params, a->o->db, app, &err);
    free(app);
    if (!a->lockc) {
        fprintf(a->o->err, "pgward: cannot connect for the lock: %s\n", err);
        free(err);
        a->r->status = APPLY_REFUSED;
        return -1;
    }
    char wait[32];
    snprintf(wait, sizeof(wait), "%ds", a->o->lock_wait_seconds);
    const char *v[] = {wait};
    PGresult *r = query1(a, a->lockc, "SELECT set_config('lock_timeout', $1, false)", 1, v);
    PQclear(r);
    cancel_handle = PQgetCancel(a->lockc);
    r = PQexec(a->lockc, "SELECT pg_advisory_lock(1885827950, 0)");
    PGcancel *h = cancel_handle;
    cancel_handle = NULL;
    PQfreeCancel(h);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        PQclear(r);
        return 0;
    }
    bool timeout = strcmp(conn_sqlstate(r), "55P03") == 0;
    char *m = conn_error_message(a->lockc, r);
    PQclear(r);
    if (caught_signal) {
        free(m);
        a->r->status = APPLY_CANCELLED;
        a->r->signal = caught_signal;
        fprintf(a->o->err, "pgward: cancelled while waiting for the lock; nothing was sent\n");
        return -1;
    }
    if (!timeout) {
        int rc = refuse(a, "cannot take the apply lock: %s", m);
        free(m);
        return rc;
    }
    free(m);
    r = query1(a, a->lockc,
               "SELECT a.pid, a.usename, a.application_name, coalesce(host(a.client_addr), "
               "'local'), to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') FROM pg_locks l "
               "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND "
               "l.classid = 1885827950 AND l.objid = 0 AND l.granted",
               0, NULL);
    if (r && PQntuples(r) > 0)
        refuse(a,
               "another apply holds the lock on this database after waiting %ds: pid %s, "
               "user '%s', '%s', from %s since %s; nothing was sent",
               a->o->lock_wait_seconds, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
               PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
    else
        refuse(a, "another apply held the lock on this database for %ds; nothing was sent",
               a->o->lock_wait_seconds);
    PQclear(r);
    return -1;
}

static int check_history(applier *a)
{
    for (size_t i = 0; i < a->nfiles; i++) {
        unit_file *uf = &a->files[i];
        char *sha = NULL, *run = NULL, *err = NULL;
        if (audit_file_last(a->c, uf->path, &sha, &run, &err) < 0) {
            int rc = refuse(a, "%s", err);
            free(err);
            return rc;
        }
        if (sha && strcmp(sha, uf->checksum) == 0) {
            uf->skip = true;
            fprintf(a->o->out, "%s: already applied (run %s); skipped\n", uf->path, run);
        } else if (sha) {
            int rc = refuse(a,
                            "'%s' was applied before with checksum %s (run %s) and has changed "
                            "(now %s): refusing to apply an edited migration; ship the change "
                            "as a new file",
                            uf->path, sha, run, uf->checksum);
            free(sha);
            free(run);
            return rc;
        }
        free(sha);
        free(run);
        if (uf->skip || !uf->no_txn)
            continue;
        if (audit_file_progress(a->c, uf->path, &uf->progress, &uf->nprogress, &err) < 0) {
            int rc = refuse(a, "%s", err);
            free(err);
            return rc;
        }
        /* what ran before must be what would run now */
        const script *s = uf->checked;
        for (size_t k = 0; k < uf->nprogress && k < s->nstmts; k++) {
            char h[65];
            sha256_hex_of(s->stmts[k].text, s->stmts[k].text_len, h);
            if (uf->progress[k] && strcmp(uf->progress[k], h) != 0)
                return refuse(a,
                              "%s:%d:%d: statement %zu of '%s' ran before with other text "
                              "(the file ran partly outside a transaction and has changed "
                              "since): refusing to resume",
                              s->stmts[k].src->name, s->stmts[k].line, s->stmts[k].column,
                              k + 1, uf->path);
        }
        size_t done = 0;
        for (size_t k = 0; k < uf->nprogress; k++)
            done += uf->progress[k] != NULL;
        if (done)
            fprintf(a->o->out, "%s: resuming: %zu statement%s already ran\n", uf->path, done,
                    done == 1 ? "" : "s");
    }
    return 0;
}

/* ------------------------------------------------------------------ step 6 */

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
    bool answered;       /* its result arrived (pipeline) */
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
    if (a->failed && strcmp(status, "ok") != 0) {
        cJSON_AddStringToObject(o, "sqlstate", a->sqlstate);
        cJSON_AddStringToObject(o, "message", a->fail_message ? a->fail_message : "");
    }
    return o;
}

/*
 * Journal records of statements inside a transaction are written in batches (one
 * write(2) for many): until COMMIT they describe nothing durable, and the batch is
 * always out, and fsynced, before commit-pending.
 */
#define JOURNAL_BATCH 512

static int flush_journal(applier *a, bool sync)
{
    if (a->nbatch == 0 && !sync)
        return 0;
    char *err = NULL;
    int rc = journal_append_many(a->j, a->batch, a->nbatch, sync, &err);
    a->nbatch = 0;
    if (rc < 0) {
        fprintf(a->o->err, "pgward: %s\n", err);
        free(err);
    }
    return rc;
}

static int journal_statement(applier *a, cJSON *rec)
{
    GROW(a->batch, a->capbatch, a->nbatch + 1);
    a->batch[a->nbatch++] = rec;
    return a->nbatch >= JOURNAL_BATCH ? flush_journal(a, false) : 0;
}

/* Sends st and waits for its result, streaming COPY data both ways. */
static PGresult *send_statement(applier *a, const statement *st)
{
    PGresult *res = PQexec(a->c, st->text);
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COPY_IN) {
        PQclear(res);
        bool ok = true;
        if (st->copy_data_len > 0)
            ok = PQputCopyData(a->c, st->copy_data, (int)st->copy_data_len) == 1;
        PQputCopyEnd(a->c, ok ? NULL : "pgward could not send the COPY data");
        res = PQgetResult(a->c);
        PGresult *extra;
        while ((extra = PQgetResult(a->c)) != NULL)
            PQclear(extra);
    } else if (s == PGRES_COPY_OUT) {
        PQclear(res);
        char *buf;
        int n;
        while ((n = PQgetCopyData(a->c, &buf, 0)) > 0) {
            fwrite(buf, 1, (size_t)n, a->o->out);
            PQfreemem(buf);
        }
        res = PQgetResult(a->c);
        PGresult *extra;
        while ((extra = PQgetResult(a->c)) != NULL)
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
    gate_check_script(a->pol, a->role, &tmp);
    int errors = 0;
    for (size_t i = 0; i < tmp.findings.count; i++) {
        const finding *f = &tmp.findings.items[i];
        if (f->severity == SEV_ERROR && f->src == st->src && f->offset >= st->offset &&
            f->offset <= st->offset + st->length) {
            if (errors++ == 0)
                report_finding_text(a->o->err, f, false);
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
        a->fail_message = xasprintf("%s [%s]", f->message, f->rule);
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
    if (caught_signal) {
        a->cancelled = true;
        return -1;
    }
    const statement *ok = find_approved(a, st);
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
    memset(p, 0, sizeof(*p));
    p->st = st;
    sha256_hex_of(st->text, st->text_len, p->sha);
    p->file_seq = ++a->file_seq;
    size_t idx = (size_t)(p->file_seq - 1);
    if (a->cur->no_txn && idx < a->cur->nprogress && a->cur->progress[idx]) {
        if (strcmp(a->cur->progress[idx], p->sha) == 0) {
            a->nskipped++;
            return 1; /* ran before: resuming after it */
        }
        set_failure(a, st, "", "this statement ran before with other text: refusing to resume",
                    NULL);
        return -1;
    }
    p->seq = ++a->seq;
    if (!a->in_txn) {
        cJSON *start = journal_event(a->r->run_id, "statement-start");
        cJSON_AddNumberToObject(start, "seq", p->seq);
        cJSON_AddNumberToObject(start, "txn", 0);
        cJSON_AddStringToObject(start, "file", st->src->name);
        cJSON_AddNumberToObject(start, "file_seq", p->file_seq);
        cJSON_AddNumberToObject(start, "line", st->line);
        cJSON_AddStringToObject(start, "sha256", p->sha);
        if (journal_put(a, start, true) < 0) {
            set_failure(a, st, "", "cannot write the journal", NULL);
            return -1;
        }
    }
    p->t0 = now_ms();
    return 0;
}

/*
 * Records a statement's result (res may be NULL: the connection broke). For \gset
 * fills *vars. Returns 0, or -1 when the statement failed (a->failed is set).
 */
static int complete(applier *a, const pending *p, const PGresult *res, script_var **vars,
                    size_t *nvars)
{
    const statement *st = p->st;
    double ms = now_ms() - p->t0;
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
        }
        set_failure(a, st, state, m, res);
        if (caught_signal && strcmp(a->sqlstate, "57014") == 0)
            a->cancelled = true;
        free(m);
        rc = -1;
        rec = statement_record(a, p, a->cancelled ? "cancelled" : "failed", NULL, -1, ms);
    }
    const char *status = cJSON_GetObjectItem(rec, "status")->valuestring;
    if (a->in_txn) {
        cJSON_AddItemToArray(a->rows, audit_statement_row(rec, status));
        if (journal_statement(a, rec) < 0)
            rc = -1;
    } else {
        /* outside a transaction: it is committed (or not) already; say so durably */
        cJSON *rows = cJSON_CreateArray();
        cJSON_AddItemToArray(rows, audit_statement_row(rec, status));
        if (journal_put(a, rec, true) < 0)
            rc = -1;
        char *err = NULL;
        if (!a->conn_lost && audit_record(a->c, a->r->run_id, rows, NULL, &err) < 0) {
            fprintf(a->o->err, "pgward: %s\n", err);
            free(err);
            a->r->audit_pending = true;
        }
        cJSON_Delete(rows);
    }
    if (rc == 0 && caught_signal) {
        a->cancelled = true;
        rc = -1;
    }
    return rc;
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
    PGresult *res = send_statement(a, st);
    rc = complete(a, &p, res, vars, nvars);
    PQclear(res);
    return rc;
}

static void echo_text(void *ctx, const char *text, bool newline)
{
    applier *a = ctx;
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
} pipeline;

static void pipe_lost(applier *a, pipeline *pl)
{
    a->conn_lost = true;
    if (pl->n > 0 && !a->failed) {
        pending *p = &pl->q[pl->head];
        complete(a, p, NULL, NULL, NULL);
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
                if (!p->answered && es != PGRES_PIPELINE_ABORTED && !a->failed)
                    complete(a, p, res, NULL, NULL);
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
        struct pollfd pfd = {.fd = PQsocket(a->c), .events = POLLIN | (f == 1 ? POLLOUT : 0)};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            pipe_lost(a, pl);
            return -1;
        }
    }
}

/* Sends p's statement into the pipeline. */
static int pipe_send(applier *a, pipeline *pl, const pending *p)
{
    if (pl->head > 0 && pl->head + pl->n == pl->cap) {
        memmove(pl->q, pl->q + pl->head, pl->n * sizeof(pending));
        pl->head = 0;
    }
    GROW(pl->q, pl->cap, pl->head + pl->n + 1);
    pl->q[pl->head + pl->n++] = *p;
    if (!PQsendQueryParams(a->c, p->st->text, 0, NULL, NULL, NULL, NULL, 0)) {
        pipe_lost(a, pl);
        return -1;
    }
    /* now and then ask the server to send what it has, so an error shows early */
    if (p->seq % 64 == 0 && !PQsendFlushRequest(a->c)) {
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
    return rc < 0 || a->failed ? -1 : 0;
}

/* Runs the approved statements of a file that needs nothing at run time. */
static int run_static(applier *a, const script *s)
{
    if (!a->in_txn) {
        for (size_t i = 0; i < s->nstmts && !a->failed; i++)
            if (run_statement(a, NULL, &s->stmts[i], NULL, NULL) < 0)
                return -1;
        return a->failed ? -1 : 0;
    }
    pipeline pl = {0};
    int rc = 0;
    for (size_t i = 0; i < s->nstmts && rc == 0 && !a->failed; i++) {
        const statement *st = &s->stmts[i];
        pending p;
        int prc = prepare(a, NULL, st, &p);
        if (prc < 0) {
            rc = -1;
        } else if (prc == 0 && pipelinable(st)) {
            if (PQpipelineStatus(a->c) == PQ_PIPELINE_OFF && pipe_enter(a) < 0)
                rc = -1;
            else
                rc = pipe_send(a, &pl, &p);
        } else if (prc == 0) {
            if (pipe_drain(a, &pl) < 0) {
                rc = -1;
            } else {
                PGresult *res = send_statement(a, st);
                rc = complete(a, &p, res, NULL, NULL);
                PQclear(res);
            }
        }
    }
    if (pipe_drain(a, &pl) < 0)
        rc = -1;
    free(pl.q);
    return rc < 0 || a->failed ? -1 : 0;
}

/* Runs one file: from its approved statements, or through the interpreter in
   run-time mode when it needs run-time values. Returns 0 or -1. */
static int run_file(applier *a, unit_file *uf)
{
    a->cur = uf;
    a->file_seq = 0;
    int rc;
    if (!needs_run_time(uf->checked)) {
        rc = run_static(a, uf->checked);
    } else {
        script_runner runner = {.ctx = a, .run = run_statement, .echo = echo_text};
        script_options opt = script_options_default();
        opt.root = ".";
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

static int simple(applier *a, const char *sql)
{
    PGresult *r = PQexec(a->c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        char *m = conn_error_message(a->c, r);
        if (PQstatus(a->c) == CONNECTION_BAD)
            a->conn_lost = true;
        if (!a->failed) {
            a->failed = true;
            snprintf(a->sqlstate, sizeof(a->sqlstate), "%s", conn_sqlstate(r));
            a->fail_message = xasprintf("%s: %s", sql, m);
        }
        free(m);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

/* Rows of the transaction that did not commit: ok becomes rolled-back. */
static void mark_rolled_back(cJSON *rows)
{
    cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        cJSON *st = cJSON_GetObjectItem(row, "status");
        if (cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0)
            cJSON_ReplaceItemInObject(row, "status", cJSON_CreateString("rolled-back"));
    }
}

/* Writes rows of a transaction that did not commit, after the rollback. */
static void record_after_rollback(applier *a)
{
    if (cJSON_GetArraySize(a->rows) == 0)
        return;
    char *err = NULL;
    if (a->conn_lost || audit_record(a->c, a->r->run_id, a->rows, NULL, &err) < 0) {
        if (err)
            fprintf(a->o->err, "pgward: %s\n", err);
        free(err);
        a->r->audit_pending = true;
    }
}

/* Runs files [from, to) as one unit. Returns 0 committed, -1 failed (rolled back). */
static int run_unit(applier *a, size_t from, size_t to, bool last_unit)
{
    bool txn = !a->files[from].no_txn;
    for (int attempt = 0;; attempt++) {
        cJSON_Delete(a->rows);
        cJSON_Delete(a->file_rows);
        a->rows = cJSON_CreateArray();
        a->file_rows = cJSON_CreateArray();
        a->in_txn = txn;
        if (txn) {
            a->txn++;
            if (simple(a, "BEGIN") < 0)
                return -1;
        }
        int rc = 0;
        for (size_t i = from; i < to && rc == 0; i++) {
            if (a->files[i].skip)
                continue;
            rc = run_file(a, &a->files[i]);
        }
        if (!txn) {
            if (rc == 0) {
                char *err = NULL;
                if (audit_record(a->c, a->r->run_id, NULL, a->file_rows, &err) < 0) {
                    fprintf(a->o->err, "pgward: %s\n", err);
                    free(err);
                    a->r->audit_pending = true;
                }
            }
            return rc;
        }
        if (rc == 0 && !a->o->dry_run) {
            /* the audit rows commit with the change: they are its commit marker */
            char *err = NULL;
            bool finish = last_unit && !a->o->txn_per_file;
            if (audit_record(a->c, a->r->run_id, a->rows, a->file_rows, &err) < 0 ||
                (finish && audit_finish_run(a->c, a->r->run_id, "committed", NULL, &err) < 0)) {
                a->failed = true;
                a->fail_message = err;
                if (PQstatus(a->c) == CONNECTION_BAD)
                    a->conn_lost = true;
                rc = -1;
            }
        }
        if (flush_journal(a, false) < 0)
            rc = -1;
        if (rc == 0 && !a->o->dry_run) {
            cJSON *p = journal_event(a->r->run_id, "commit-pending");
            cJSON_AddNumberToObject(p, "txn", a->txn);
            if (journal_put(a, p, true) < 0) {
                a->failed = true;
                rc = -1;
            }
        }
        if (rc == 0 && !a->o->dry_run) {
            fault_point("before-commit");
            if (simple(a, "COMMIT") < 0) {
                /* a COMMIT that got no answer may or may not have happened */
                if (a->conn_lost) {
                    a->r->audit_pending = true;
                    fprintf(a->o->err,
                            "pgward: the connection was lost during COMMIT: whether it "
                            "committed is unknown; 'pgward audit sync' will find out\n");
                }
                return -1;
            }
            fault_point("after-commit");
            cJSON *c = journal_event(a->r->run_id, "commit");
            cJSON_AddNumberToObject(c, "txn", a->txn);
            journal_put(a, c, true);
            a->ncommitted++;
            a->finished_in_txn = last_unit && !a->o->txn_per_file;
            return 0;
        }
        /* failure or dry run: roll back, then record */
        if (!a->conn_lost)
            simple(a, "ROLLBACK");
        cJSON *rb = journal_event(a->r->run_id, "rollback");
        cJSON_AddNumberToObject(rb, "txn", a->txn);
        journal_put(a, rb, true);
        mark_rolled_back(a->rows);
        record_after_rollback(a);
        if (rc == 0) /* dry run */
            return 0;
        bool lock_timeout = strcmp(a->sqlstate, "55P03") == 0;
        if (!lock_timeout || attempt >= a->o->retries || a->cancelled || a->conn_lost)
            return -1;
        long delay_ms = 200L << (attempt < 6 ? attempt : 6);
        fprintf(a->o->err, "pgward: %s:%d:%d: lock timeout; retrying in %ld ms (%d of %d)\n",
                a->fail_file ? a->fail_file : "?", a->fail_line, a->fail_col, delay_ms,
                attempt + 1, a->o->retries);
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (caught_signal) {
            a->cancelled = true;
            return -1;
        }
        a->failed = false;
    }
}

static int run_units(applier *a)
{
    size_t i = 0;
    while (i < a->nfiles) {
        size_t j = i + 1;
        if (!a->files[i].no_txn && !a->o->txn_per_file)
            while (j < a->nfiles && !a->files[j].no_txn)
                j++;
        if (a->o->dry_run && a->files[i].no_txn) {
            fprintf(a->o->out, "%s: not run in a dry run: it runs outside a transaction\n",
                    a->files[i].path);
        } else if (run_unit(a, i, j, j == a->nfiles) < 0) {
            return -1;
        }
        i = j;
    }
    return 0;
}

/* ------------------------------------------------------------------ driver */

static void report_failure(applier *a)
{
    FILE *e = a->o->err;
    if (a->cancelled) {
        fprintf(e, "pgward: cancelled by signal %d%s%s; rolled back\n", (int)caught_signal,
                a->fail_file ? " at " : "", a->fail_file ? a->fail_file : "");
        return;
    }
    if (a->fail_file)
        fprintf(e, "%s:%d:%d: error: %s%s%s%s\n", a->fail_file, a->fail_line, a->fail_col,
                a->fail_message ? a->fail_message : "failed", *a->sqlstate ? " [SQLSTATE " : "",
                *a->sqlstate ? a->sqlstate : "", *a->sqlstate ? "]" : "");
    else
        fprintf(e, "pgward: error: %s%s%s%s\n", a->fail_message ? a->fail_message : "failed",
                *a->sqlstate ? " [SQLSTATE " : "", *a->sqlstate ? a->sqlstate : "",
                *a->sqlstate ? "]" : "");
    if (a->fail_detail)
        fprintf(e, "  detail: %s\n", a->fail_detail);
    if (a->fail_hint)
        fprintf(e, "  hint: %s\n", a->fail_hint);
}

static void finish(applier *a, const char *status, const char *message)
{
    flush_journal(a, false);
    cJSON *end = journal_event(a->r->run_id, "end");
    cJSON_AddStringToObject(end, "status", status);
    if (message)
        cJSON_AddStringToObject(end, "message", message);
    journal_put(a, end, true);
    char *err = NULL;
    bool in_txn_already = strcmp(status, "committed") == 0 && a->finished_in_txn;
    int rc = 0;
    if (!in_txn_already) {
        if (a->conn_lost) {
            /* one new connection to record what happened */
            char *app = xasprintf("pgward apply %s (record)", a->r->run_id);
            PGconn *c = conn_open(a->o->params, a->o->db, app, &err);
            free(app);
            if (c) {
                PQfinish(a->c);
                a->c = c;
                a->conn_lost = false;
                a->r->audit_pending = false; /* recorded now, unless this fails too */
                record_after_rollback(a);
            } else {
                rc = -1;
            }
        }
        if (rc == 0)
            rc = audit_finish_run(a->c, a->r->run_id, status, message, &err);
    }
    if (rc == 0 && !a->r->audit_pending) {
        journal_put(a, journal_event(a->r->run_id, "audited"), true);
    } else {
        a->r->audit_pending = true;
        fprintf(a->o->err,
                "pgward: the audit trail could not be completed%s%s; the journal '%s' has "
                "everything: run 'pgward audit sync'\n",
                err ? ": " : "", err ? err : "", journal_path(a->j));
    }
    free(err);
}

static int begin_run(applier *a)
{
    char started[32];
    iso_now(started);
    const char *mode = a->o->txn_per_file ? "file" : "bundle";
    cJSON *b = journal_event(a->r->run_id, "begin");
    cJSON_AddStringToObject(b, "bundle", a->info.manifest_sha256);
    cJSON_AddStringToObject(b, "policy", a->info.policy_digest);
    cJSON_AddStringToObject(b, "role", a->role->name);
    cJSON_AddStringToObject(b, "mode", mode);
    cJSON *target = cJSON_AddObjectToObject(b, "target");
    cJSON_AddStringToObject(target, "user", PQuser(a->c));
    cJSON_AddStringToObject(target, "host", PQhost(a->c) ? PQhost(a->c) : "");
    cJSON_AddStringToObject(target, "port", PQport(a->c));
    cJSON_AddStringToObject(target, "dbname", PQdb(a->c));
    cJSON_AddNumberToObject(b, "backend_pid", PQbackendPID(a->c));
    cJSON_AddStringToObject(b, "client", a->client);
    cJSON_AddBoolToObject(b, "dry_run", a->o->dry_run);
    if (journal_put(a, b, true) < 0)
        return refuse(a, "cannot write the journal; nothing was sent");
    audit_run ar = {.id = a->r->run_id,
                    .bundle_sha256 = a->info.manifest_sha256,
                    .policy_sha256 = a->info.policy_digest,
                    .role = a->role->name,
                    .mode = mode,
                    .client = a->client,
                    .started_at = started};
    char *err = NULL;
    if (audit_begin_run(a->c, &ar, &err) < 0) {
        int rc = refuse(a, "%s", err);
        free(err);
        finish(a, "failed", "could not record the run's start");
        return rc;
    }
    return 0;
}

static void applier_free(applier *a)
{
    for (size_t i = 0; i < a->nfiles; i++) {
        script_free(a->files[i].checked);
        for (size_t k = 0; k < a->files[i].nprogress; k++)
            free(a->files[i].progress[k]);
        free(a->files[i].progress);
    }
    free(a->files);
    free(a->approved);
    policy_free(a->pol);
    bundle_info_free(&a->info);
    if (a->c)
        PQfinish(a->c);
    if (a->lockc)
        PQfinish(a->lockc); /* ends the session: the advisory lock goes with it */
    if (a->j)
        journal_close(a->j);
    cJSON_Delete(a->rows);
    cJSON_Delete(a->file_rows);
    for (size_t i = 0; i < a->nbatch; i++)
        cJSON_Delete(a->batch[i]);
    free(a->batch);
    free(a->target);
    free(a->client);
    free(a->fail_file);
    free(a->fail_message);
    free(a->fail_detail);
    free(a->fail_hint);
}

static int run(applier *a)
{
    const apply_opts *o = a->o;
    char *err = NULL;
    if (bundle_verify(o->bundle, o->pubkey, &a->info, &err) < 0) {
        int rc = refuse(a, "%s; nothing was sent", err);
        free(err);
        return rc;
    }
    char *ppath = xasprintf("%s/policy", o->bundle);
    a->pol = policy_load(ppath, &err);
    free(ppath);
    if (!a->pol) {
        int rc = refuse(a, "the bundle's policy does not load: %s", err);
        free(err);
        return rc;
    }
    a->role = a->info.role ? policy_find_role(a->pol, a->info.role) : NULL;
    if (!a->role)
        return refuse(a, "the bundle's role '%s' is not in its policy",
                      a->info.role ? a->info.role : "");
    if (o->role && strcmp(o->role, a->role->name) != 0)
        return refuse(a, "the bundle runs as '%s', not '%s'; nothing was sent", a->role->name,
                      o->role);
    a->j = journal_open(o->journal, &err);
    if (!a->j) {
        int rc = refuse(a, "%s", err);
        free(err);
        return rc;
    }
    char *files_dir = xasprintf("%s/files", o->bundle);
    int cd = chdir(files_dir);
    free(files_dir);
    if (cd != 0)
        return refuse(a, "cannot enter the bundle's files: %s", strerror(errno));
    if (check_files(a) < 0 || connect_and_check_role(a) < 0 || take_lock(a) < 0 ||
        check_history(a) < 0)
        return -1;
    size_t todo = 0;
    for (size_t i = 0; i < a->nfiles; i++)
        todo += !a->files[i].skip;
    if (todo == 0) {
        fprintf(o->out, "%s: nothing to apply: every file was applied before\n", o->bundle);
        return 0;
    }
    if (begin_run(a) < 0)
        return -1;
    cancel_handle = PQgetCancel(a->c);
    double t0 = now_ms();
    int rc = run_units(a);
    double ms = now_ms() - t0;
    PGcancel *h = cancel_handle;
    cancel_handle = NULL;
    PQfreeCancel(h);
    if (rc == 0) {
        const char *status = o->dry_run ? "dry-run" : "committed";
        finish(a, status, NULL);
        fprintf(o->out, "%s: %s %zu statement%s in %zu file%s as %s on %s in %.0f ms%s; run %s\n",
                o->bundle, o->dry_run ? "dry run: ran and rolled back" : "applied",
                a->nstatements, a->nstatements == 1 ? "" : "s", todo, todo == 1 ? "" : "s",
                a->role->name, a->target, ms,
                a->nskipped ? " (resumed after statements that had run)" : "", a->r->run_id);
        return 0;
    }
    report_failure(a);
    if (a->cancelled) {
        a->r->status = APPLY_CANCELLED;
        a->r->signal = caught_signal ? caught_signal : SIGINT;
        finish(a, "cancelled", "cancelled by a signal");
    } else {
        /* refused at run time too: statements before it were sent (and rolled back) */
        a->r->status = APPLY_FAILED;
        char *m = a->fail_file ? xasprintf("%s:%d:%d: %s", a->fail_file, a->fail_line,
                                           a->fail_col, a->fail_message ? a->fail_message : "")
                               : xstrdup(a->fail_message ? a->fail_message : "failed");
        finish(a, "failed", m);
        free(m);
    }
    if (a->ncommitted == 0)
        fprintf(o->err, "pgward: run %s %s; nothing was committed\n", a->r->run_id,
                a->cancelled ? "cancelled" : "failed");
    else
        fprintf(o->err, "pgward: run %s %s; the %zu transaction%s before it stay committed\n",
                a->r->run_id, a->cancelled ? "cancelled" : "failed", a->ncommitted,
                a->ncommitted == 1 ? "" : "s");
    return -1;
}

int apply_run(const apply_opts *o, apply_result *r)
{
    memset(r, 0, sizeof(*r));
    applier a;
    memset(&a, 0, sizeof(a));
    a.o = o;
    a.r = r;
    a.client = client_name();
    make_uuid(r->run_id);
    caught_signal = 0;
    struct sigaction old_int, old_term;
    install_signals(&old_int, &old_term);
    char cwd[4096];
    bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
    int rc = run(&a);
    if (rc == 0)
        r->status = APPLY_DONE;
    else if (r->status == APPLY_DONE)
        r->status = APPLY_FAILED;
    if (r->status == APPLY_CANCELLED && !r->signal)
        r->signal = caught_signal;
    applier_free(&a);
    if (have_cwd && chdir(cwd) != 0)
        fprintf(stderr, "pgward: cannot return to '%s'\n", cwd);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
