/*
 * apply.c: pgward apply; see apply.h.
 *
 * The run, in order (nothing of the bundle is sent before step 6):
 *   1. verify the bundle; load the policy it carries; pick its role
 *   2. read every file statically and lint it (gate + transaction rules): the
 *      statements found are the approved ones, looked up by (file, offset) later
 *   3. connect; make sure the audit schema exists; check or SET ROLE the role
 *   4. take the advisory lock on the run's own session (bounded wait, names the holder)
 *   5. skip files already applied with the same checksum, refuse changed ones
 *   6. units: consecutive transactional files form one unit (or one per file with
 *      --txn file); a file with a no-transaction directive (script/directives.h)
 *      is a unit of its own whose statements commit one by one. A file-level
 *      transaction (one BEGIN ... COMMIT around the whole file, rules/txn_rules.h)
 *      is a transactional file whose own BEGIN and COMMIT are not sent; when its
 *      BEGIN sets transaction modes it is a unit of its own, begun with them.
 *      Each file runs in apply_exec.c: every statement sent must be an approved
 *      one (or, when it uses \gset values, pass the gate again with those values)
 *   7. commit with the audit rows inside the transaction, or roll back and record
 *
 * A restricted role's session is pinned in step 3 (policy/pinned.h: client_encoding,
 * standard_conforming_strings, search_path), read back before every COMMIT and after
 * each statement outside a transaction; a change is refused (rolled back, exit 1).
 * Before the first statement of step 6, inside the run's first transaction (or a
 * short one of its own for a no-transaction file), the catalog's assumptions the
 * gate relies on (verify/assumptions.h) are checked for a restricted role; one that
 * does not hold refuses the run with nothing sent.
 *
 * Signals: SIGINT/SIGTERM cancel the running statement: the handler (run_state.c)
 * only records the signal and wakes the wait in progress, and every query goes
 * through conn/wait.h, whose waits ask the server to cancel with a bounded wait and
 * close a connection that does not answer; the run then rolls back and is recorded
 * as cancelled, or, when the server could not be reached, left to `pgward audit
 * sync`. A second signal exits at once. The handler's state is the one piece of
 * global state here, as a signal handler needs it.
 */
#include "apply/applier.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "audit/audit.h"
#include "audit/chain.h"
#include "bundle/bundle.h"
#include "base/digest.h"
#include "base/text.h"
#include "rules/lint.h"
#include "audit/journal.h"
#include "policy/policy.h"
#include "report/report.h"
#include "script/script.h"
#include "rules/txn_rules.h"
#include "base/util.h"
#include "verify/assumptions.h"
#include "conn/wait.h"

/* The advisory lock every apply takes: pg_advisory_lock(1885827950 ("pgwa"), 0),
   also taken (in its transaction) by sql/audit.sql's first lines with key 1. */

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

/* ------------------------------------------------------------------ step 1-2 */

/* Reads and lints every file of the bundle, from the bytes bundle_verify_bytes() checked. */
static int check_files(applier *a)
{
    size_t errors = 0, nread = 0;
    bool color = report_want_color(2);
    script_options opt;
    if (apply_script_options(a, &opt) < 0) {
        script_options_free(&opt);
        return refuse(a, "the bundle's manifest sets an invalid variable name");
    }
    for (size_t i = 0; i < a->info.nfiles; i++) {
        if (a->info.files[i].included)
            continue;
        GROW(a->files, a->capfiles, a->nfiles + 1);
        unit_file *uf = &a->files[a->nfiles++];
        memset(uf, 0, sizeof(*uf));
        uf->path = a->info.files[i].path;
        lint_config cfg = {.policy = a->pol, .pg_version = PGWARD_GRAMMAR_MAJOR, .bundled = true};
        /* exactly the checks bundle ran; the parse trees go once checked */
        script *s = uf->checked = lint_file_keeping(&cfg, a->role, uf->path, &opt);
        nread += s->nread;
        finding_list_sort(&s->findings);
        for (size_t k = 0; k < s->findings.count; k++) {
            const finding *f = &s->findings.items[k];
            if (f->severity == SEV_ERROR) {
                errors++;
                report_finding_text(a->o->err, f, color);
            }
        }
        uf->no_txn = s->nsources > 0 && txn_source_no_transaction(s->sources[0]);
        uf->file_txn = txn_file_level(s);
        if (uf->file_txn && s->stmts[0].file_txn == FILE_TXN_BEGIN_MODES)
            uf->begin = s->stmts[0].text;
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
                .file = s->stmts[k].src->name,
                .offset = s->stmts[k].offset,
                .st = &s->stmts[k],
                .bare = s->stmts[k].outside_txn_block};
        }
    }
    script_options_free(&opt);
    apply_sort_approved(a);
    /* the manifest's count, checked here on the one read of the scripts
       (bundle_verify_bytes() leaves it to us): a file removed from the manifest
       with its line, or edited, shows */
    if (nread != a->info.statements)
        return refuse(a, "%s/manifest: the scripts hold %zu statement%s, the manifest says %zu: "
                         "files were removed or edited; nothing was sent",
                      a->o->bundle, nread, nread == 1 ? "" : "s", a->info.statements);
    if (errors)
        return refuse(a, "refusing to apply: %zu error-level finding%s for role '%s'", errors,
                      errors == 1 ? "" : "s", a->role->name);
    return 0;
}

/* ------------------------------------------------------------------ step 3-5 */

static PGresult *query1(applier *a, PGconn *c, const char *sql, int n, const char *const *v)
{
    PGresult *r = conn_exec_params(c, sql, n, v);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        char *m = conn_error_message(c, r);
        fprintf(a->o->err, "pgward: %s\n", m);
        free(m);
        PQclear(r);
        return NULL;
    }
    return r;
}

/*
 * A restricted role's session settings, pinned (policy/pinned.h): set in one round
 * trip, and what the server reports for them kept, with the query that reads them
 * back (apply_check_pinned). Names are qualified: the role's own search_path is in
 * force until this has run.
 */
static int pin_settings(applier *a)
{
    policy_pinned_settings(a->pol, a->pins);
    const char *v[2 * POLICY_NPINNED];
    strbuf set = {0}, get = {0};
    for (int i = 0; i < POLICY_NPINNED; i++) {
        v[2 * i] = a->pins[i].name;
        v[2 * i + 1] = a->pins[i].value;
        sb_addf(&set, "%spg_catalog.set_config($%d, $%d, false)", i ? ", " : "SELECT ",
                2 * i + 1, 2 * i + 2);
        sb_addf(&get, "%spg_catalog.current_setting('%s')", i ? ", " : "SELECT ",
                a->pins[i].name);
    }
    PGresult *r = query1(a, a->c, set.buf, 2 * POLICY_NPINNED, v);
    a->pin_set_sql = sb_detach(&set, NULL);
    if (!r) {
        sb_free(&get);
        return refuse(a, "cannot pin the session settings of restricted role '%s' "
                         "(search_path '%s'); nothing was sent",
                      a->role->name, a->pins[POLICY_NPINNED - 1].value);
    }
    for (int i = 0; i < POLICY_NPINNED; i++)
        a->pin_values[i] = xstrdup(PQgetvalue(r, 0, i));
    PQclear(r);
    a->pin_sql = sb_detach(&get, NULL);
    a->pinned = true;
    return 0;
}

/*
 * Before each file after the first: the pinned settings again. The gate reads every
 * file from the pinned state, so what one file set (SET search_path = public,
 * pg_catalog) must not reach the next one.
 */
static int repin_settings(applier *a)
{
    if (!a->pinned)
        return 0;
    const char *v[2 * POLICY_NPINNED];
    for (int i = 0; i < POLICY_NPINNED; i++) {
        v[2 * i] = a->pins[i].name;
        v[2 * i + 1] = a->pins[i].value;
    }
    PGresult *r = conn_exec_params(a->c, a->pin_set_sql, 2 * POLICY_NPINNED, v);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return apply_query_failed(a, r, "cannot pin the session settings again");
    PQclear(r);
    return 0;
}

static int connect_and_check_role(applier *a)
{
    char *err = NULL;
    char *app = xasprintf("pgward apply %s", a->r->run_id);
    a->c = conn_open(a->o->params, a->o->db, app, &err);
    free(app);
    if (!a->c) {
        fprintf(a->o->err, "pgward: cannot connect: %s; nothing was sent\n", err);
        free(err);
        /* the server or the network, as for verify and audit: exit 3, not a refusal
           (a signal that stopped the connect is a cancel: apply_run() says so) */
        a->r->status = apply_signal() ? APPLY_REFUSED : APPLY_FAILED;
        return -1;
    }
    a->target = conn_describe(a->c);
    PQsetNoticeProcessor(a->c, NULL, NULL);
    if (conn_guard_session(a->c, &err) < 0) {
        int rc = refuse(a, "%s", err);
        free(err);
        return rc;
    }
    /* only a writer login may apply: a restricted role's own login cannot record */
    if (audit_ensure_schema(a->c, &err) < 0 ||
        audit_check_writer(a->c, a->role->name, &err) < 0) {
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
    return a->role->restricted ? pin_settings(a) : 0;
}

/*
 * The apply lock lives on the session that does the work: if that session dies,
 * its transaction and the lock go together, so another apply can never run while
 * this one may still commit. Waited for in a transaction of its own, with
 * lock_timeout set for that transaction only (the lock itself is session-level
 * and outlives it); apply_check_run() proves it is still held before every COMMIT.
 */
static int take_lock(applier *a)
{
    char wait[32];
    snprintf(wait, sizeof(wait), "%ds", a->o->lock_wait_seconds);
    const char *v[] = {wait};
    PGresult *r = query1(a, a->c, "BEGIN", 0, NULL);
    if (!r)
        return refuse(a, "cannot take the apply lock");
    PQclear(r);
    r = query1(a, a->c, "SELECT pg_catalog.set_config('lock_timeout', $1, true)", 1, v);
    PQclear(r);
    r = conn_exec(a->c, "SELECT pg_catalog.pg_advisory_lock(1885827950, 0)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        PQclear(r);
        r = query1(a, a->c, "COMMIT", 0, NULL);
        if (!r)
            return refuse(a, "cannot take the apply lock");
        PQclear(r);
        return 0;
    }
    bool timeout = strcmp(conn_sqlstate(r), "55P03") == 0;
    char *m = conn_error_message(a->c, r);
    PQclear(r);
    PQclear(conn_exec(a->c, "ROLLBACK"));
    if (apply_signal()) {
        free(m);
        a->r->status = APPLY_CANCELLED;
        a->r->signal = apply_signal();
        fprintf(a->o->err, "pgward: cancelled while waiting for the lock; nothing was sent\n");
        return -1;
    }
    if (!timeout) {
        int rc = refuse(a, "cannot take the apply lock: %s", m);
        free(m);
        return rc;
    }
    free(m);
    r = query1(a, a->c,
               "SELECT a.pid, a.usename, a.application_name, coalesce(host(a.client_addr), "
               "'local'), to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS') FROM pg_locks l "
               "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND "
               "l.classid = 1885827950 AND l.objid = 0 AND l.objsubid = 2 AND l.granted AND "
               "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
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

/*
 * A statement of a resumed file left in doubt, settled from its effect where that
 * can be seen (txn_statement_resume_check): safe once the session that sent it is
 * gone, as then the statement has finished one way or the other; that session held
 * the apply lock this run holds now, and none is left with its run's name. Returns
 * 0 settled (*p updated), 1 only the operator can tell, -1 refused.
 */
static int settle_by_effect(applier *a, const statement *st, audit_progress *p)
{
    const char *kind = st->resume_check;
    if (!kind)
        return 1;
    const char *x = kind + strlen(kind) + 1;
    const char *outcome;
    char *note;
    char *app = xasprintf("pgward apply %s", p->run);
    if (strcmp(kind, "idempotent") == 0) {
        const char *v[] = {app};
        PGresult *r = query1(a, a->c,
                             "SELECT count(*) FROM pg_catalog.pg_stat_activity "
                             "WHERE application_name = $1",
                             1, v);
        bool alive = !r || strcmp(PQgetvalue(r, 0, 0), "0") != 0;
        PQclear(r);
        free(app);
        if (alive)
            return 1;
        outcome = "did-not-run";
        note = xasprintf("pgward: whether it ran is not known; %s is idempotent, so it is "
                         "sent again",
                         x);
    } else {
        bool create = strcmp(kind, "index") == 0;
        const char *schema = x, *table = create ? schema + strlen(schema) + 1 : "";
        const char *name = create ? table + strlen(table) + 1 : schema + strlen(schema) + 1;
        const char *v[] = {schema, name, app};
        PGresult *r = query1(
            a, a->c,
            "SELECT (SELECT count(*) FROM pg_catalog.pg_stat_activity "
            "        WHERE application_name = $3), i.indisvalid, t.relname "
            "FROM (SELECT 1) one LEFT JOIN (pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_catalog.pg_class t ON t.oid = i.indrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace) "
            "ON n.nspname = $1 AND c.relname = $2",
            3, v);
        free(app);
        if (!r || PQntuples(r) != 1) {
            PQclear(r);
            return 1;
        }
        bool alive = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
        bool exists = !PQgetisnull(r, 0, 1);
        bool valid = exists && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
        bool same_table = exists && strcmp(PQgetvalue(r, 0, 2), table) == 0;
        PQclear(r);
        if (alive || (create && exists && (!valid || !same_table)) || (!create && exists && !valid))
            return 1; /* running still, or half done: for the operator */
        outcome = create == exists ? "ran" : "did-not-run";
        note = xasprintf("pgward: index %s.%s %s", schema, name,
                         create ? (exists ? "exists and is valid" : "does not exist")
                                : (exists ? "still exists" : "is gone"));
    }
    char *where = NULL, *err = NULL;
    int rc = audit_settle(a->c, p->run, p->seq, outcome, note, &where, &err);
    if (rc < 0) {
        rc = refuse(a, "%s", err);
        free(err);
        free(note);
        return rc;
    }
    fprintf(a->o->out, "%s: statement %d of run %s was in doubt: settled as %s (%s)\n", where,
            p->seq, p->run, outcome, note + strlen("pgward: "));
    free(where);
    free(note);
    if (strcmp(outcome, "ran") == 0) {
        p->in_doubt = false;
    } else {
        free(p->sha256);
        p->sha256 = NULL;
    }
    return 0;
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
            if (uf->progress[k].sha256 && strcmp(uf->progress[k].sha256, h) != 0)
                return refuse(a,
                              "%s:%d:%d: statement %zu of '%s' ran before with other text "
                              "(the file ran partly outside a transaction and has changed "
                              "since): refusing to resume",
                              s->stmts[k].src->name, s->stmts[k].line, s->stmts[k].column,
                              k + 1, uf->path);
        }
        for (size_t k = 0; k < uf->nprogress && k < s->nstmts; k++) {
            audit_progress *p = &uf->progress[k];
            int settled = p->sha256 && p->in_doubt ? settle_by_effect(a, &s->stmts[k], p) : 0;
            if (settled < 0)
                return -1;
            if (settled > 0)
                return refuse(a,
                              "%s:%d:%d: statement %zu of '%s' is in doubt since run %s "
                              "(statement %d): it ran outside a transaction and its outcome "
                              "was lost, so it may have run; check its effect, then record "
                              "it with 'pgward audit settle %s %d ran' (or 'did-not-run') "
                              "and apply again; nothing was sent",
                              s->stmts[k].src->name, s->stmts[k].line, s->stmts[k].column,
                              k + 1, uf->path, p->run, p->seq, p->run, p->seq);
        }
        size_t done = 0;
        for (size_t k = 0; k < uf->nprogress; k++)
            done += uf->progress[k].sha256 != NULL;
        if (done)
            fprintf(a->o->out, "%s: resuming: %zu statement%s already ran\n", uf->path, done,
                    done == 1 ? "" : "s");
    }
    return 0;
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

/* Rows of a transaction that did not commit, after the rollback: to be recorded. */
static void record_after_rollback(applier *a)
{
    cJSON *row;
    while ((row = cJSON_DetachItemFromArray(a->rows, 0)) != NULL)
        cJSON_AddItemToArray(a->unrecorded, row);
    apply_record_unrecorded(a);
}

/* pgward's own audit writes never count against the user's statement_timeout:
   the rows of thousands of statements take their time. Inside a transaction. */
static int audit_write_untimed(applier *a)
{
    return apply_simple(a, "SET LOCAL statement_timeout = 0");
}

void apply_record_unrecorded(applier *a)
{
    if (cJSON_GetArraySize(a->unrecorded) == 0)
        return;
    /* not while the connection is gone, nor inside a transaction the script opened
       itself (its rows would go with its rollback): later, or by audit sync */
    if (a->conn_lost || PQstatus(a->c) != CONNECTION_OK ||
        PQtransactionStatus(a->c) != PQTRANS_IDLE) {
        a->r->audit_pending = true;
        return;
    }
    char *err = NULL;
    PGresult *r = conn_exec(a->c, "BEGIN; SET LOCAL statement_timeout = 0");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok && audit_record(a->c, a->r->run_id, a->unrecorded, NULL, &err) == 0) {
        r = conn_exec(a->c, "COMMIT");
        ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
        PQclear(r);
    } else {
        ok = false;
        if (PQstatus(a->c) == CONNECTION_OK)
            PQclear(conn_exec(a->c, "ROLLBACK"));
    }
    if (PQstatus(a->c) != CONNECTION_OK)
        a->conn_lost = true;
    if (!ok) {
        progress_clear(&a->progress);
        fprintf(a->o->err, "pgward: cannot record %d statement%s in the audit tables%s%s\n",
                cJSON_GetArraySize(a->unrecorded),
                cJSON_GetArraySize(a->unrecorded) == 1 ? "" : "s", err ? ": " : "",
                err ? err : "");
        free(err);
        a->r->audit_pending = true;
        return;
    }
    cJSON_Delete(a->unrecorded);
    a->unrecorded = cJSON_CreateArray();
}

int apply_begin_txn(applier *a, const char *begin)
{
    cJSON_Delete(a->rows);
    a->rows = cJSON_CreateArray();
    a->txn++;
    lock_tracker_reset(&a->locks);
    if (apply_simple(a, begin ? begin : "BEGIN") < 0)
        return -1;
    a->in_txn = true;
    return 0;
}

/* The COMMIT went out and no answer came back: it may or may not have committed. */
static int commit_in_doubt(applier *a)
{
    a->conn_lost = true;
    a->commit_unknown = true;
    a->r->audit_pending = true;
    a->in_txn = false;
    if (!a->failed)
        apply_fail(a, false,
                   xasprintf("the connection was lost during COMMIT of transaction %d: "
                             "whether it committed is unknown",
                             a->txn));
    /* its rows stay unwritten: they committed with it, or must be recorded rolled
       back; audit sync asks the database which (the journal has them) */
    cJSON_Delete(a->rows);
    a->rows = cJSON_CreateArray();
    return -1;
}

int apply_end_txn(applier *a, int rc, bool finish)
{
    if (rc == 0 && a->failed)
        rc = -1;
    if (rc == 0 && apply_check_run(a) < 0)
        rc = -1;
    if (rc == 0 && !a->o->dry_run) {
        /* the audit rows commit with the change: they are its commit marker */
        char *err = NULL;
        if (audit_write_untimed(a) < 0 ||
            audit_record(a->c, a->r->run_id, a->rows, a->file_rows, &err) < 0 ||
            (finish && audit_finish_run(a->c, a->r->run_id, "committed", NULL, &err) < 0)) {
            if (PQstatus(a->c) == CONNECTION_BAD)
                a->conn_lost = true;
            if (err)
                apply_fail(a, false, err);
            rc = -1;
        }
    }
    if (rc == 0 && !a->o->dry_run) {
        cJSON *p = journal_event(a->r->run_id, "commit-pending");
        cJSON_AddNumberToObject(p, "txn", a->txn);
        if (apply_journal_put(a, p, true) < 0)
            rc = -1;
    }
    if (rc == 0 && !a->o->dry_run) {
        fault_point("before-commit");
        PGresult *r = conn_exec(a->c, "COMMIT");
        bool committed = PQresultStatus(r) == PGRES_COMMAND_OK &&
                         strcmp(PQcmdStatus(r), "COMMIT") == 0;
        if (committed) {
            PQclear(r);
            fault_point("after-commit");
            a->in_txn = false;
            a->ncommitted++;
            a->finished_in_txn = finish;
            cJSON_Delete(a->rows);
            a->rows = cJSON_CreateArray();
            cJSON *c = journal_event(a->r->run_id, "commit");
            cJSON_AddNumberToObject(c, "txn", a->txn);
            /* committed either way; a journal that cannot say so stops the run */
            return apply_journal_put(a, c, true);
        }
        if (PQstatus(a->c) == CONNECTION_BAD) {
            PQclear(r);
            return commit_in_doubt(a);
        }
        /* an answer that is not COMMIT (a deferred constraint, a serialization failure,
           an aborted transaction answering ROLLBACK): it rolled back */
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            if (!a->failed)
                apply_fail(a, false, xstrdup("COMMIT rolled the transaction back"));
        } else {
            apply_query_failed(a, r, "COMMIT");
        }
        rc = -1;
    }
    /* failure or dry run: roll back, then record */
    if (!a->conn_lost && PQstatus(a->c) == CONNECTION_OK &&
        PQtransactionStatus(a->c) != PQTRANS_IDLE)
        PQclear(conn_exec(a->c, "ROLLBACK"));
    a->in_txn = false;
    cJSON *rb = journal_event(a->r->run_id, "rollback");
    cJSON_AddNumberToObject(rb, "txn", a->txn);
    apply_journal_put(a, rb, true);
    mark_rolled_back(a->rows);
    record_after_rollback(a);
    return rc == 0 ? 0 : -1;
}

/* A no-transaction file's row, once all its statements ran: in a transaction of its
   own (lost, the next apply resumes after every statement and writes it then). */
static int record_file_row(applier *a)
{
    if (a->o->dry_run || cJSON_GetArraySize(a->file_rows) == 0)
        return 0;
    char *err = NULL;
    int rc = apply_simple(a, "BEGIN") < 0 || audit_write_untimed(a) < 0 ||
                     audit_record(a->c, a->r->run_id, NULL, a->file_rows, &err) < 0 ||
                     apply_simple(a, "COMMIT") < 0
                 ? -1
                 : 0;
    if (rc < 0) {
        if (PQstatus(a->c) == CONNECTION_BAD)
            a->conn_lost = true;
        else if (PQtransactionStatus(a->c) != PQTRANS_IDLE)
            PQclear(conn_exec(a->c, "ROLLBACK"));
        if (err)
            apply_fail(a, false, err);
    }
    return rc;
}

/*
 * The catalog's assumptions the gate relies on, for a restricted role, once per run,
 * inside a transaction before the first statement. Returns 0, or -1 with a->failed
 * (and a->refused, unless the connection was lost) and the first violation named.
 */
static int check_assumptions(applier *a)
{
    a->assumptions_checked = true;
    if (!a->role->restricted)
        return 0;
    catalog_assumptions ca = assumptions_check(a->c, a->pol, a->role);
    int rc = 0;
    if (ca.err || !ca.gate.pass) {
        a->failed = true;
        if (PQstatus(a->c) == CONNECTION_BAD)
            a->conn_lost = true;
        a->refused = !a->conn_lost;
        free(a->fail_message);
        if (ca.err) {
            a->fail_message = xasprintf("cannot check the catalog's assumptions: %s", ca.err);
        } else {
            /* "isolation: view eng.v ...": the assumption, then the object */
            const char *first = ca.gate.problems[0], *sep = strstr(first, ": ");
            int idlen = sep ? (int)(sep - first) : 0;
            size_t more = ca.gate.nproblems - 1;
            char *also = more ? xasprintf(" (and %zu more; pgward verify lists them)", more)
                              : xstrdup("");
            a->fail_message = xasprintf("catalog assumption %.*s does not hold: %s%s", idlen,
                                        first, sep ? sep + 2 : first, also);
            free(also);
        }
        rc = -1;
    }
    assumptions_free(&ca);
    return rc;
}

/* Runs files [from, to) as one unit. Returns 0 committed, -1 failed (rolled back). */
static int run_unit(applier *a, size_t from, size_t to, bool last_unit)
{
    bool txn = !a->files[from].no_txn;
    size_t statements_before = a->nstatements;
    for (int attempt = 0;; attempt++) {
        a->nstatements = statements_before; /* a retry runs them again */
        cJSON_Delete(a->file_rows);
        a->file_rows = cJSON_CreateArray();
        int rc = 0;
        if (!txn && !a->assumptions_checked) {
            /* a short transaction of its own, before the first statement */
            if (apply_simple(a, "BEGIN") < 0)
                return -1;
            rc = check_assumptions(a);
            if (!a->conn_lost && apply_simple(a, "ROLLBACK") < 0)
                return -1;
            if (rc < 0)
                return -1;
        }
        if (txn) {
            /* a file-level transaction with modes is a unit of its own (run_units) */
            if (apply_begin_txn(a, a->files[from].begin) < 0)
                return -1;
            if (!a->assumptions_checked)
                rc = check_assumptions(a);
        }
        for (size_t i = from; i < to && rc == 0; i++) {
            if (a->files[i].skip)
                continue;
            if (a->files_started++ > 0)
                rc = repin_settings(a);
            if (rc == 0)
                rc = apply_run_file(a, &a->files[i]);
        }
        if (!txn) {
            /* its statements committed one by one, each with its audit row */
            apply_record_unrecorded(a);
            return rc == 0 ? record_file_row(a) : -1;
        }
        if (apply_end_txn(a, rc, last_unit && !a->o->txn_per_file) == 0)
            return 0; /* committed, or a dry run rolled back as asked */
        bool lock_timeout = strcmp(a->sqlstate, "55P03") == 0;
        if (!lock_timeout || attempt >= a->o->retries || a->cancelled || a->conn_lost ||
            a->refused)
            return -1;
        long delay_ms = 200L << (attempt < 6 ? attempt : 6);
        progress_clear(&a->progress);
        fprintf(a->o->err, "pgward: %s:%d:%d: lock timeout; retrying in %ld ms (%d of %d)\n",
                a->fail_file ? a->fail_file : "?", a->fail_line, a->fail_col, delay_ms,
                attempt + 1, a->o->retries);
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (apply_signal()) {
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
        /* a file whose own BEGIN sets transaction modes needs a transaction of its own */
        if (!a->files[i].no_txn && !a->files[i].begin && !a->o->txn_per_file)
            while (j < a->nfiles && !a->files[j].no_txn && !a->files[j].begin)
                j++;
        if (a->o->dry_run && a->files[i].no_txn) {
            progress_clear(&a->progress);
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
    if (a->cancelled && a->conn_lost) {
        /* nothing was committed after the signal: without COMMIT the server rolls
           the transaction back when it notices; the record waits for audit sync */
        fprintf(e,
                "pgward: cancelled by signal %d%s%s; the server did not answer%s, so the "
                "connection was closed: its transaction rolls back on the server; 'pgward "
                "audit sync' records the outcome\n",
                (int)apply_signal(), a->fail_file ? " at " : "", a->fail_file ? a->fail_file : "",
                conn_interrupt_gave_up() ? " the cancel request" : "");
        return;
    }
    if (a->cancelled) {
        fprintf(e, "pgward: cancelled by signal %d%s%s; rolled back\n", (int)apply_signal(),
                a->fail_file ? " at " : "", a->fail_file ? a->fail_file : "");
        return;
    }
    /* the server's words may quote the script (RAISE EXCEPTION): shown, not obeyed */
    strbuf msg = {0}, detail = {0}, hint = {0};
    const char *m = a->fail_message ? a->fail_message : "failed";
    text_escape(&msg, m, strlen(m), true, 0);
    if (a->fail_detail)
        text_escape(&detail, a->fail_detail, strlen(a->fail_detail), true, 0);
    if (a->fail_hint)
        text_escape(&hint, a->fail_hint, strlen(a->fail_hint), true, 0);
    if (a->fail_file)
        fprintf(e, "%s:%d:%d: error: %s%s%s%s\n", a->fail_file, a->fail_line, a->fail_col,
                msg.buf, *a->sqlstate ? " [SQLSTATE " : "", *a->sqlstate ? a->sqlstate : "",
                *a->sqlstate ? "]" : "");
    else
        fprintf(e, "pgward: error: %s%s%s%s\n", msg.buf, *a->sqlstate ? " [SQLSTATE " : "",
                *a->sqlstate ? a->sqlstate : "", *a->sqlstate ? "]" : "");
    if (a->fail_detail)
        fprintf(e, "  detail: %s\n", detail.buf);
    if (a->fail_hint)
        fprintf(e, "  hint: %s\n", hint.buf);
    sb_free(&msg);
    sb_free(&detail);
    sb_free(&hint);
}

/*
 * What a dry run says about time: the statements' durations added up (each from
 * its sending, or the previous answer in the pipeline, to its answer) and the
 * slowest, beside the run's own time (which adds BEGIN, the audit rows, the
 * checks and ROLLBACK). Locks are not measured.
 */
static void report_dry_run_time(applier *a, double run_ms)
{
    char *slowest = progress_slowest_text(&a->progress);
    fprintf(a->o->out,
            "%s: dry run time: %.1f ms in %zu statement%s%s, %.0f ms for the run (with "
            "BEGIN, the audit rows and ROLLBACK)%s%s\n",
            a->o->bundle, a->progress.statement_ms, a->progress.timed,
            a->progress.timed == 1 ? "" : "s", a->o->retries ? " (retries included)" : "",
            run_ms, *slowest ? "; slowest: " : "", slowest);
    free(slowest);
}

static void finish(applier *a, const char *status, const char *message)
{
    if (a->commit_unknown) {
        /* the database knows whether that COMMIT happened, and with it how the run
           ended (no end record: it is not known here); only audit sync may ask,
           once this run's session is gone from the server */
        fprintf(a->o->err,
                "pgward: run %s is in doubt: whether transaction %d committed is unknown; "
                "'pgward audit sync' will ask the database and record it (the journal '%s' "
                "has every statement)\n",
                a->r->run_id, a->txn, journal_path(a->j));
        return;
    }
    cJSON *end = journal_event(a->r->run_id, "end");
    cJSON_AddStringToObject(end, "status", status);
    if (message)
        cJSON_AddStringToObject(end, "message", message);
    bool journal_ok = apply_journal_put(a, end, true) == 0 && !a->journal_broken;
    char *err = NULL;
    bool in_txn_already = strcmp(status, "committed") == 0 && a->finished_in_txn;
    int rc = 0;
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
        } else {
            rc = -1;
        }
    }
    if (rc == 0) {
        apply_record_unrecorded(a);
        if (!in_txn_already)
            rc = audit_finish_run(a->c, a->r->run_id, status, message, &err);
    }
    if (rc == 0 && !a->r->audit_pending && journal_ok) {
        cJSON *audited = journal_event(a->r->run_id, "audited");
        chain_add_head(a->c, a->r->run_id, audited); /* the head verify cross-checks */
        apply_journal_put(a, audited, true);
    } else if (!journal_ok) {
        a->r->audit_pending = rc < 0 || a->r->audit_pending;
        fprintf(a->o->err, "pgward: the journal '%s' could not be written; %s%s%s\n",
                journal_path(a->j),
                a->r->audit_pending ? "the audit trail could not be completed either: this "
                                      "run is recorded incompletely"
                                    : "the audit tables hold the run",
                err ? ": " : "", err ? err : "");
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
    /* who approved: in the journal first, so audit sync can record them too */
    cJSON *approvals = cJSON_AddArrayToObject(b, "approvals");
    for (size_t i = 0; i < a->nsignoffs; i++) {
        const approval_verdict *v = &a->signoffs[i];
        if (!v->counts)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "approver", v->a.approver);
        cJSON_AddBoolToObject(o, "human", v->human);
        cJSON_AddStringToObject(o, "approved_at", v->a.time);
        cJSON_AddStringToObject(o, "note", v->a.note);
        cJSON_AddStringToObject(o, "key", v->a.key);
        char hex[129];
        for (size_t k = 0; k < sizeof(v->a.sig); k++)
            snprintf(hex + 2 * k, 3, "%02x", v->a.sig[k]);
        cJSON_AddStringToObject(o, "signature", hex);
        cJSON_AddItemToArray(approvals, o);
    }
    /* the journal takes b; the audit row is written from a copy */
    approvals = cJSON_Duplicate(approvals, true);
    if (apply_journal_put(a, b, true) < 0) {
        cJSON_Delete(approvals);
        return refuse(a, "%s; nothing was sent", a->fail_message);
    }
    audit_run ar = {.id = a->r->run_id,
                    .bundle_sha256 = a->info.manifest_sha256,
                    .policy_sha256 = a->info.policy_digest,
                    .role = a->role->name,
                    .mode = mode,
                    .client = a->client,
                    .started_at = started};
    char *err = NULL;
    if (audit_begin_run(a->c, &ar, &err) < 0 ||
        audit_record_approvals(a->c, a->r->run_id, approvals, &err) < 0) {
        cJSON_Delete(approvals);
        int rc = refuse(a, "%s", err);
        free(err);
        finish(a, "failed", "could not record the run's start");
        return rc;
    }
    cJSON_Delete(approvals);
    return 0;
}

static void applier_free(applier *a)
{
    progress_free(&a->progress);
    for (size_t i = 0; i < a->nfiles; i++) {
        script_free(a->files[i].checked);
        audit_progress_free(a->files[i].progress, a->files[i].nprogress);
    }
    free(a->files);
    free(a->approved);
    approval_verdicts_free(a->signoffs, a->nsignoffs);
    policy_free(a->pol);
    bundle_info_free(&a->info);
    if (a->c)
        PQfinish(a->c);
    if (a->j)
        journal_close(a->j);
    cJSON_Delete(a->rows);
    cJSON_Delete(a->file_rows);
    cJSON_Delete(a->unrecorded);
    lock_tracker_free(&a->locks);
    free(a->run_check_sql);
    free(a->target);
    free(a->client);
    free(a->fail_file);
    free(a->fail_message);
    free(a->fail_detail);
    free(a->fail_hint);
    for (int i = 0; i < POLICY_NPINNED; i++)
        free(a->pin_values[i]);
    free(a->pin_sql);
    free(a->pin_set_sql);
}

/* What a failed run leaves committed, in words. */
static char *what_stays(const applier *a)
{
    strbuf sb = {0};
    if (a->ncommitted || a->nautocommitted) {
        sb_adds(&sb, "what ran before it stays committed (");
        if (a->ncommitted)
            sb_addf(&sb, "%zu transaction%s", a->ncommitted, a->ncommitted == 1 ? "" : "s");
        if (a->nautocommitted)
            sb_addf(&sb, "%s%zu statement%s outside a transaction", a->ncommitted ? ", " : "",
                    a->nautocommitted, a->nautocommitted == 1 ? "" : "s");
        sb_adds(&sb, ")");
    }
    if (a->commit_unknown)
        sb_addf(&sb, "%swhether transaction %d committed is unknown", sb.len ? "; " : "",
                a->txn);
    if (!sb.len)
        sb_adds(&sb, a->nstatements || a->seq ? "rolled back, nothing was committed"
                                              : "nothing was sent");
    return sb_detach(&sb, NULL);
}

/*
 * The bundle's approvals, judged with the policy it carries: each that does not count
 * (edited, for another bundle, another key, an approver the policy does not name) is
 * reported; too few for the role's `approvals N [human M]` is a refusal before
 * anything is sent.
 */
static int check_signoffs(applier *a)
{
    a->nsignoffs = a->info.napprovals;
    a->signoffs = approvals_judge(a->info.approvals, a->info.napprovals,
                                  a->info.manifest_sha256, a->pol);
    for (size_t i = 0; i < a->nsignoffs; i++)
        if (!a->signoffs[i].counts)
            fprintf(a->o->err, "pgward: %s: does not count: %s\n", a->o->bundle,
                    a->signoffs[i].problem);
    char *missing = NULL;
    if (approvals_enough(a->role, a->signoffs, a->nsignoffs, &missing) < 0) {
        int rc = refuse(a, "%s; nothing was sent", missing);
        free(missing);
        return rc;
    }
    return 0;
}

static int run(applier *a)
{
    const apply_opts *o = a->o;
    char *err = NULL;
    if (bundle_check_present(o->bundle, &err) < 0) {
        /* not a bundle at all: an input error, as for bundle verify */
        fprintf(o->err, "pgward: %s; nothing was sent\n", err);
        free(err);
        a->r->status = APPLY_INPUT;
        return -1;
    }
    if (bundle_verify_bytes(o->bundle, o->pubkey, &a->info, &err) < 0) {
        int rc = refuse(a, "%s; nothing was sent", err);
        free(err);
        return rc;
    }
    /* test-only: a pause after the bundle was read, while its folder is swapped */
    const char *fault = getenv("PGWARD_TEST_FAULT");
    if (fault && strcmp(fault, "after-read") == 0)
        raise(SIGSTOP);
    /* the policy's bytes verified, not the file again */
    char *pname = xasprintf("%s/policy", o->bundle);
    a->pol = policy_parse_bundled(pname, a->info.policy_text, a->info.policy_len, &err);
    free(pname);
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
    if (check_signoffs(a) < 0)
        return -1;
    a->j = journal_open(o->journal, &err);
    if (!a->j) {
        /* a local file that cannot be opened: an input error (2), as for audit */
        fprintf(o->err, "pgward: %s; nothing was sent\n", err);
        free(err);
        a->r->status = APPLY_INPUT;
        return -1;
    }
    if (check_files(a) < 0 || connect_and_check_role(a) < 0 || take_lock(a) < 0 ||
        check_history(a) < 0)
        return -1;
    size_t to_run = 0;
    for (size_t i = 0; i < a->nfiles; i++)
        to_run += !a->files[i].skip;
    if (to_run == 0) {
        fprintf(o->out, "%s: nothing to apply: every file was applied before\n", o->bundle);
        return 0;
    }
    if (begin_run(a) < 0)
        return -1;
    size_t total = 0;
    for (size_t i = 0; i < a->nfiles; i++)
        if (!a->files[i].skip && !(o->dry_run && a->files[i].no_txn))
            total += a->files[i].checked->nstmts;
    progress_begin(&a->progress, o->progress, total);
    double t0 = apply_now_ms();
    int rc = run_units(a);
    double ms = apply_now_ms() - t0;
    progress_clear(&a->progress);
    if (rc == 0) {
        const char *status = o->dry_run ? "dry-run" : "committed";
        finish(a, status, NULL);
        fprintf(o->out, "%s: %s %zu statement%s in %zu file%s as %s on %s in %.0f ms%s; run %s\n",
                o->bundle, o->dry_run ? "dry run: ran and rolled back" : "applied",
                a->nstatements, a->nstatements == 1 ? "" : "s", to_run, to_run == 1 ? "" : "s",
                a->role->name, a->target, ms,
                a->nskipped ? " (resumed after statements that had run)" : "", a->r->run_id);
        if (o->dry_run)
            report_dry_run_time(a, ms);
        return 0;
    }
    char *stays = what_stays(a);
    if (a->refused) {
        /* refused before COMMIT: one line says why, and what stays */
        fprintf(o->err, "pgward: refusing to apply: %s; %s\n", a->fail_message, stays);
        free(stays);
        a->r->status = APPLY_REFUSED;
        char *m = xasprintf("refused: %s", a->fail_message);
        finish(a, "failed", m);
        free(m);
        return -1;
    }
    report_failure(a);
    if (a->cancelled) {
        a->r->status = APPLY_CANCELLED;
        a->r->signal = apply_signal() ? apply_signal() : SIGINT;
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
    fprintf(o->err, "pgward: run %s %s; %s\n", a->r->run_id,
            a->cancelled ? "cancelled" : "failed", stays);
    free(stays);
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
    apply_reset_signal();
    struct sigaction old_int, old_term;
    apply_install_signals(&old_int, &old_term);
    char cwd[4096];
    bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
    a.unrecorded = cJSON_CreateArray();
    int rc = run(&a);
    if (rc == 0)
        r->status = APPLY_DONE;
    else if (r->status == APPLY_DONE)
        r->status = APPLY_FAILED;
    /* a signal that stopped a wait before anything ran (connecting, the catalog)
       is a cancel too, not a refusal */
    if (r->status == APPLY_REFUSED && apply_signal())
        r->status = APPLY_CANCELLED;
    if (r->status == APPLY_CANCELLED && !r->signal)
        r->signal = apply_signal();
    applier_free(&a);
    if (have_cwd && chdir(cwd) != 0)
        fprintf(stderr, "pgward: cannot return to '%s'\n", cwd);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
