/*
 * audit.c: writing and reading the audit trail, and `audit sync`; see audit.h.
 *
 * All writes go through the SECURITY DEFINER functions of sql/audit.sql, with
 * parameters (never text pasted into SQL). audit_sync() decides what really
 * happened from the journal first and asks the database only what the journal
 * cannot know: whether a COMMIT whose answer never arrived took effect (the rows
 * pgward writes inside each transaction are its commit marker), and whether the
 * session of a run is still alive. Every query goes through conn/wait.h, so a
 * signal during apply interrupts these waits too.
 */
#include "audit/audit.h"

#include <stdlib.h>
#include <string.h>

#include "audit/chain.h"
#include "audit_sql.h"
#include "conn/conn.h"
#include "conn/wait.h"
#include "base/text.h"
#include "base/util.h"

static int db_fail(char **err, PGconn *c, const PGresult *r, const char *what)
{
    char *m = conn_error_message(c, r);
    *err = xasprintf("%s: %s", what, m);
    free(m);
    return -1;
}

/* Runs a parameterised command; returns its result (caller clears) or NULL + *err. */
static PGresult *exec_params(PGconn *c, const char *sql, int n, const char *const *values,
                             const char *what, char **err)
{
    PGresult *r = conn_exec_params(c, sql, n, values);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        db_fail(err, c, r, what);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int exec_ok(PGconn *c, const char *sql, int n, const char *const *values,
                   const char *what, char **err)
{
    PGresult *r = exec_params(c, sql, n, values, what, err);
    PQclear(r);
    return r ? 0 : -1;
}

int audit_ensure_schema(PGconn *c, char **err)
{
    PGresult *r = exec_params(
        c,
        "SELECT CASE WHEN to_regprocedure('audit.pgward_schema_version()') IS NULL THEN 0 "
        "ELSE (SELECT audit.pgward_schema_version()) END",
        0, NULL, "cannot read the audit schema's version", err);
    if (!r) {
        /* the CASE still plans the subquery: a missing function errors out */
        free(*err);
        *err = NULL;
        r = conn_exec(c, "SELECT 0");
    }
    int version = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    if (version >= AUDIT_SCHEMA_VERSION)
        return 0;
    /* one simple-protocol string: PostgreSQL runs it as one implicit transaction */
    r = conn_exec(c, audit_sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        db_fail(err, c, r,
                "cannot create the audit schema (sql/audit.sql); apply it once as a role "
                "that may create schemas");
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

int audit_check_writer(PGconn *c, const char *role, char **err)
{
    PGresult *r = exec_params(c, "SELECT session_user, audit.pgward_is_writer()", 0, NULL,
                              "cannot check who may write the audit trail", err);
    if (!r)
        return -1;
    bool writer = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    if (!writer)
        *err = xasprintf("session user '%s' may not write the audit trail (not a member of "
                         "pgward_audit_writer); nothing was sent: connect as an operator login "
                         "that is a member and give --set-role to run as '%s'",
                         PQgetvalue(r, 0, 0), role);
    PQclear(r);
    return writer ? 0 : -1;
}

int audit_begin_run(PGconn *c, const audit_run *run, char **err)
{
    const char *v[] = {run->id,   run->bundle_sha256, run->policy_sha256, run->role,
                       run->mode, run->client,        run->started_at};
    return exec_ok(c,
                   "SELECT audit.pgward_begin_run($1::uuid, $2, $3, $4, $5, $6, "
                   "$7::timestamptz)",
                   7, v, "cannot record the run in audit.runs", err);
}

int audit_record(PGconn *c, const char *run_id, const cJSON *statements, const cJSON *files,
                 char **err)
{
    char *s = statements ? cJSON_PrintUnformatted(statements) : NULL;
    char *f = files ? cJSON_PrintUnformatted(files) : NULL;
    const char *v[] = {run_id, s ? s : "[]", f ? f : "[]"};
    int rc = exec_ok(c, "SELECT audit.pgward_record($1::uuid, $2::jsonb, $3::jsonb)", 3, v,
                     "cannot record statements in audit.statements", err);
    cJSON_free(s);
    cJSON_free(f);
    return rc;
}

int audit_record_approvals(PGconn *c, const char *run_id, const cJSON *approvals, char **err)
{
    if (!cJSON_IsArray(approvals) || cJSON_GetArraySize(approvals) == 0)
        return 0;
    char *a = cJSON_PrintUnformatted(approvals);
    const char *v[] = {run_id, a};
    int rc = exec_ok(c, "SELECT audit.pgward_record_approvals($1::uuid, $2::jsonb)", 2, v,
                     "cannot record the approvals in audit.approvals", err);
    cJSON_free(a);
    return rc;
}

int audit_run_approvers(PGconn *c, const char *run_id, audit_approver **out, size_t *n,
                        char **err)
{
    *out = NULL;
    *n = 0;
    const char *v[] = {run_id};
    /* a trail before version 4 recorded no approvals: none, not an error */
    PGresult *r = exec_params(c, "SELECT to_regprocedure('audit.pgward_run_approvals(uuid)') "
                                 "IS NULL",
                              0, NULL, "cannot read the run's approvals", err);
    if (!r)
        return -1;
    bool absent = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (absent)
        return 0;
    r = exec_params(c, "SELECT approver, human, approved_at, note FROM "
                       "audit.pgward_run_approvals($1::uuid)",
                    1, v, "cannot read the run's approvals", err);
    if (!r)
        return -1;
    int rows = PQntuples(r);
    *out = xcalloc(rows ? (size_t)rows : 1, sizeof(audit_approver));
    for (int i = 0; i < rows; i++) {
        (*out)[i].approver = xstrdup(PQgetvalue(r, i, 0));
        (*out)[i].human = strcmp(PQgetvalue(r, i, 1), "t") == 0;
        (*out)[i].approved_at = xstrdup(PQgetvalue(r, i, 2));
        (*out)[i].note = xstrdup(PQgetvalue(r, i, 3));
    }
    *n = (size_t)rows;
    PQclear(r);
    return 0;
}

void audit_approvers_free(audit_approver *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].approver);
        free(a[i].approved_at);
        free(a[i].note);
    }
    free(a);
}

int audit_finish_run(PGconn *c, const char *run_id, const char *status, const char *message,
                     char **err)
{
    const char *v[] = {run_id, status, message};
    return exec_ok(c, "SELECT audit.pgward_finish_run($1::uuid, $2, $3)", 3, v,
                   "cannot record the run's status in audit.runs", err);
}

int audit_file_last(PGconn *c, const char *path, char **sha256, char **run, char **err)
{
    *sha256 = *run = NULL;
    const char *v[] = {path};
    PGresult *r = exec_params(
        c, "SELECT sha256, run_id FROM audit.pgward_file_history(ARRAY[$1::text])", 1, v,
        "cannot read the file history (audit.files)", err);
    if (!r)
        return -1;
    if (PQntuples(r) > 0) {
        *sha256 = xstrdup(PQgetvalue(r, 0, 0));
        *run = xstrdup(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return 0;
}

int audit_file_progress(PGconn *c, const char *path, audit_progress **progress, size_t *n,
                        char **err)
{
    *progress = NULL;
    *n = 0;
    const char *v[] = {path};
    PGresult *r = exec_params(c,
                              "SELECT file_seq, sha256, status, run_id, seq "
                              "FROM audit.pgward_file_resume($1)",
                              1, v, "cannot read the progress of a resumed file", err);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        long at = atol(PQgetvalue(r, i, 0)) - 1; /* file_seq counts from 1 */
        if (at < 0 || at > 10000000)
            continue;
        if ((size_t)at >= *n) {
            *progress = xrealloc(*progress, ((size_t)at + 1) * sizeof(audit_progress));
            memset(*progress + *n, 0, ((size_t)at + 1 - *n) * sizeof(audit_progress));
            *n = (size_t)at + 1;
        }
        audit_progress *p = &(*progress)[at];
        free(p->sha256);
        free(p->run);
        p->sha256 = xstrdup(PQgetvalue(r, i, 1));
        p->in_doubt = strcmp(PQgetvalue(r, i, 2), "in-doubt") == 0;
        p->run = xstrdup(PQgetvalue(r, i, 3));
        p->seq = atoi(PQgetvalue(r, i, 4));
    }
    PQclear(r);
    return 0;
}

void audit_progress_free(audit_progress *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].sha256);
        free(p[i].run);
    }
    free(p);
}

int audit_settle(PGconn *c, const char *run, int seq, const char *outcome, const char *note,
                 char **where, char **err)
{
    char s[16];
    snprintf(s, sizeof(s), "%d", seq);
    const char *v[] = {run, s, outcome, note};
    *where = NULL;
    PGresult *r = exec_params(c, "SELECT audit.pgward_settle($1::uuid, $2::int, $3, $4)", 4, v,
                              "cannot settle the statement", err);
    if (!r)
        return -1;
    *where = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* ------------------------------------------------------------------ sync */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static const journal_txn *find_txn(const journal_run *r, int txn)
{
    for (size_t i = 0; i < r->ntxns; i++)
        if (r->txns[i].txn == txn)
            return &r->txns[i];
    return NULL;
}

/* Whether the server still runs the session of this run (then nothing is settled). */
static int session_alive(PGconn *c, const journal_run *r, bool *alive, char **err)
{
    *alive = false;
    double pid = jnum(r->begin, "backend_pid", -1);
    if (pid <= 0)
        return 0;
    char pidtext[32], *app = xasprintf("pgward apply %s", r->run);
    snprintf(pidtext, sizeof(pidtext), "%.0f", pid);
    const char *v[] = {pidtext, app};
    PGresult *res = exec_params(
        c, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int AND application_name = $2", 2,
        v, "cannot look for the run's session in pg_stat_activity", err);
    free(app);
    if (!res)
        return -1;
    *alive = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

/* Whether transaction txn of run committed, by the database's commit marker. */
static int db_txn_committed(PGconn *c, const char *run, int txn, bool *committed, char **err)
{
    char t[16];
    snprintf(t, sizeof(t), "%d", txn);
    const char *v[] = {run, t};
    PGresult *r = exec_params(c, "SELECT txn_committed FROM audit.pgward_run_state($1::uuid, $2::int)",
                              2, v, "cannot read the run's state", err);
    if (!r)
        return -1;
    *committed = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return 0;
}

/* The run's status in audit.runs (malloc'd). */
static int db_run_status(PGconn *c, const char *run, char **status, char **err)
{
    const char *v[] = {run};
    PGresult *r = exec_params(c, "SELECT status FROM audit.pgward_run_state($1::uuid, 0)", 1, v,
                              "cannot read the run's state", err);
    if (!r)
        return -1;
    *status = xstrdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "missing");
    PQclear(r);
    return 0;
}

static const char *const statement_columns[] = {"seq", "txn", "file", "file_seq", "line", "col",
                                                "sha256", "command_tag", "rows_affected",
                                                "duration_ms", "sqlstate", "message", "locks",
                                                "locks_since"};

const char *audit_locks_sql(PGconn *c, audit_locks_form form, char **err)
{
    PGresult *r = exec_params(c, "SELECT to_regclass('audit.locks') IS NOT NULL", 0, NULL,
                              "cannot look for audit.locks", err);
    if (!r)
        return NULL;
    bool have = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!have)
        return form == AUDIT_LOCKS_JSON ? "NULL::json AS locks, NULL::integer AS locks_since, "
                                          "NULL::integer AS locks_listed_with"
                                        : "NULL::text";
    if (form == AUDIT_LOCKS_JSON)
        return "(SELECT CASE WHEN count(*) = 0 THEN NULL "
               "ELSE coalesce(json_agg(json_build_object('relation', l.relation, 'mode', "
               "l.mode, 'created', l.created) ORDER BY l.ord) FILTER (WHERE l.relation IS NOT "
               "NULL), '[]') END FROM audit.locks l WHERE l.run_id = s.run_id AND l.seq = "
               "s.seq) AS locks, "
               "(SELECT max(l.since) FROM audit.locks l WHERE l.run_id = s.run_id AND l.seq = "
               "s.seq) AS locks_since, "
               "(SELECT min(l.seq) FROM audit.locks l WHERE l.run_id = s.run_id AND l.seq > "
               "s.seq AND l.since <= s.seq) AS locks_listed_with";
    return "coalesce((SELECT CASE WHEN count(*) = 0 THEN NULL WHEN count(l.relation) = 0 "
           "THEN 'none' ELSE string_agg(" AUDIT_LOCK_MODE_SQL("l.mode") " || ' ' || "
           "l.relation || CASE WHEN l.created THEN ' (created by the run)' ELSE '' END, ', ' "
           "ORDER BY l.ord) END || coalesce(' (taken by one of statements ' || max(l.since) || "
           "'-' || s.seq || ')', '') "
           "FROM audit.locks l WHERE l.run_id = s.run_id AND l.seq = s.seq), "
           "(SELECT 'listed with statement ' || min(l.seq) FROM audit.locks l "
           "WHERE l.run_id = s.run_id AND l.seq > s.seq AND l.since <= s.seq))";
}

cJSON *audit_statement_row(const cJSON *rec, const char *status)
{
    cJSON *row = cJSON_CreateObject();
    for (size_t i = 0; i < ARRAY_SIZE(statement_columns); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, statement_columns[i]);
        if (v)
            cJSON_AddItemToObject(row, statement_columns[i], cJSON_Duplicate(v, true));
    }
    cJSON_AddStringToObject(row, "status", status);
    return row;
}

/* Settles one run; *settled says whether it is in the audit tables now. */
static int sync_run(PGconn *c, journal *j, const journal_run *r, FILE *out, bool *settled,
                    char **err)
{
    *settled = false;
    if (!r->begin) {
        fprintf(out, "run %s: no begin record in the journal; cannot be recorded\n", r->run);
        return 0;
    }
    bool alive;
    if (session_alive(c, r, &alive, err) < 0)
        return -1;
    if (alive) {
        fprintf(out, "run %s: still running on the server (pid %.0f); left in doubt\n", r->run,
                jnum(r->begin, "backend_pid", 0));
        return 0;
    }
    audit_run ar = {.id = r->run,
                    .bundle_sha256 = jstr(r->begin, "bundle"),
                    .policy_sha256 = jstr(r->begin, "policy"),
                    .role = jstr(r->begin, "role"),
                    .mode = jstr(r->begin, "mode"),
                    .client = jstr(r->begin, "client"),
                    .started_at = jstr(r->begin, "time")};
    if (!ar.bundle_sha256 || !ar.policy_sha256 || !ar.role || !ar.mode || !ar.started_at) {
        fprintf(out, "run %s: begin record incomplete; cannot be recorded\n", r->run);
        return 0;
    }
    if (audit_begin_run(c, &ar, err) < 0 ||
        audit_record_approvals(c, r->run, cJSON_GetObjectItemCaseSensitive(r->begin, "approvals"),
                               err) < 0)
        return -1;
    /* which transactions committed */
    cJSON *rows = cJSON_CreateArray();
    size_t committed_txns = 0, lost_txns = 0;
    for (size_t i = 0; i < r->ntxns; i++) {
        const journal_txn *t = &r->txns[i];
        if (t->txn == 0)
            continue; /* txn 0: statements outside a transaction, committed one by one */
        bool committed = t->state == TXN_COMMITTED;
        if (t->state == TXN_COMMIT_PENDING &&
            db_txn_committed(c, r->run, t->txn, &committed, err) < 0) {
            cJSON_Delete(rows);
            return -1;
        }
        if (committed)
            committed_txns++;
        else
            lost_txns++;
    }
    for (size_t i = 0; i < r->nstatements; i++) {
        const cJSON *rec = r->statements[i];
        const char *status = jstr(rec, "status");
        int txn = (int)jnum(rec, "txn", -1);
        const journal_txn *t = txn == 0 ? NULL : find_txn(r, txn);
        bool committed = t && t->state == TXN_COMMITTED;
        if (t && t->state == TXN_COMMIT_PENDING &&
            db_txn_committed(c, r->run, t->txn, &committed, err) < 0) {
            cJSON_Delete(rows);
            return -1;
        }
        const char *row_status;
        if (status && strcmp(status, "ok") == 0)
            /* a statement outside a transaction (no txn record) commits by itself */
            row_status = committed || !t ? "ok" : "rolled-back";
        else
            row_status = status ? status : "in-doubt";
        cJSON_AddItemToArray(rows, audit_statement_row(rec, row_status));
    }
    if (r->started) /* ran outside a transaction; whether it finished is unknown */
        cJSON_AddItemToArray(rows, audit_statement_row(r->started, "in-doubt"));
    int rc = audit_record(c, r->run, rows, NULL, err);
    cJSON_Delete(rows);
    if (rc < 0)
        return -1;
    const char *status = r->end ? jstr(r->end, "status") : NULL;
    const char *message = r->end ? jstr(r->end, "message") : NULL;
    char *made = NULL;
    if (!status) {
        /* without an end record the run did not finish; what committed stays */
        status = "failed";
        message = made = xasprintf(
            "pgward stopped before the run ended (recorded by audit sync): %zu transaction%s "
            "committed, %zu rolled back%s",
            committed_txns, committed_txns == 1 ? "" : "s", lost_txns,
            r->started ? ", one statement outside a transaction in doubt" : "");
    }
    rc = audit_finish_run(c, r->run, status, message, err);
    char *final = NULL;
    if (rc == 0)
        rc = db_run_status(c, r->run, &final, err);
    if (rc == 0) {
        char *jerr = NULL;
        cJSON *audited = journal_event(r->run, "audited");
        chain_add_head(c, r->run, audited);
        if (journal_append(j, audited, true, &jerr) < 0) {
            *err = jerr;
            rc = -1;
        } else {
            /* a run that committed its final status with its last transaction keeps it */
            bool kept = strcmp(final, status) != 0;
            fprintf(out, "run %s: %s%s%s\n", r->run, final, kept ? "" : message ? ": " : "",
                    kept ? " (recorded when it committed)" : message ? message : "");
            *settled = true;
        }
    }
    free(final);
    free(made);
    return rc;
}

int audit_sync(PGconn *c, journal *j, const journal_runs *runs, FILE *out, char **err)
{
    if (audit_ensure_schema(c, err) < 0)
        return -1;
    int unsettled = 0;
    for (size_t i = 0; i < runs->count; i++) {
        const journal_run *r = &runs->items[i];
        if (r->audited)
            continue;
        bool settled;
        if (sync_run(c, j, r, out, &settled, err) < 0)
            return -1;
        if (!settled)
            unsettled++;
    }
    return unsettled;
}

/* ------------------------------------------------------------------ show */

static void print_result_json(const PGresult *r, cJSON *arr)
{
    for (int i = 0; i < PQntuples(r); i++) {
        cJSON *o = cJSON_CreateObject();
        for (int k = 0; k < PQnfields(r); k++) {
            cJSON *json = NULL;
            if (PQgetisnull(r, i, k))
                cJSON_AddNullToObject(o, PQfname(r, k));
            else if (PQftype(r, k) == 114 /* json */ &&
                     (json = cJSON_Parse(PQgetvalue(r, i, k))) != NULL)
                cJSON_AddItemToObject(o, PQfname(r, k), json);
            else
                cJSON_AddStringToObject(o, PQfname(r, k), PQgetvalue(r, i, k));
        }
        cJSON_AddItemToArray(arr, o);
    }
}

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

/*
 * A value for the terminal: file names and messages come from scripts and from
 * the server's errors about them (RAISE EXCEPTION), so an escape sequence in one
 * is shown, not obeyed (text.h). Valid until the next call with the same buf.
 */
static const char *shown(strbuf *buf, const PGresult *r, int row, int col)
{
    const char *v = val(r, row, col);
    sb_truncate(buf, 0);
    text_escape(buf, v, strlen(v), false, 0);
    return buf->buf;
}

int audit_show(PGconn *c, const char *run_id, bool json, int limit, FILE *out, char **err)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *v[] = {run_id ? run_id : lim};
    PGresult *runs = exec_params(
        c,
        run_id ? "SELECT id, status, mode, role, db_user, client_host, client, "
                 "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                 "AS started_at, to_char(finished_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS finished_at, bundle_sha256, "
                 "policy_sha256, message FROM audit.runs WHERE id = $1::uuid"
               : "SELECT id, status, mode, role, db_user, client_host, client, "
                 "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                 "AS started_at, to_char(finished_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS finished_at, bundle_sha256, "
                 "policy_sha256, message FROM audit.runs ORDER BY started_at DESC, id "
                 "LIMIT $1::int",
        1, v, "cannot read audit.runs", err);
    if (!runs)
        return -1;
    if (run_id && PQntuples(runs) == 0) {
        PQclear(runs);
        *err = xasprintf("no run '%s' in audit.runs", run_id);
        return -1;
    }
    PGresult *stmts = NULL;
    if (run_id) {
        const char *locks = audit_locks_sql(c, AUDIT_LOCKS_JSON, err);
        char *sql = locks ? xasprintf("SELECT seq, txn, file, line, col, sha256, command_tag, "
                                      "rows_affected, round(duration_ms::numeric, 3) AS "
                                      "duration_ms, status, sqlstate, message, %s "
                                      "FROM audit.statements s "
                                      "WHERE run_id = $1::uuid ORDER BY seq",
                                      locks)
                          : NULL;
        stmts = sql ? exec_params(c, sql, 1, v, "cannot read audit.statements", err) : NULL;
        free(sql);
        if (!stmts) {
            PQclear(runs);
            return -1;
        }
    }
    audit_approver *appr = NULL;
    size_t nappr = 0;
    if (run_id && audit_run_approvers(c, run_id, &appr, &nappr, err) < 0) {
        PQclear(runs);
        PQclear(stmts);
        return -1;
    }
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "version", 1);
        print_result_json(runs, cJSON_AddArrayToObject(root, "runs"));
        if (stmts)
            print_result_json(stmts, cJSON_AddArrayToObject(root, "statements"));
        if (run_id) {
            cJSON *arr = cJSON_AddArrayToObject(root, "approvals");
            for (size_t i = 0; i < nappr; i++) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "approver", appr[i].approver);
                cJSON_AddBoolToObject(o, "human", appr[i].human);
                cJSON_AddStringToObject(o, "approved_at", appr[i].approved_at);
                cJSON_AddStringToObject(o, "note", appr[i].note);
                cJSON_AddItemToArray(arr, o);
            }
        }
        char *text = cJSON_Print(root);
        fprintf(out, "%s\n", text);
        cJSON_free(text);
        cJSON_Delete(root);
    } else {
        strbuf b1 = {0}, b2 = {0}, b3 = {0};
        for (int i = 0; i < PQntuples(runs); i++) {
            fprintf(out, "run %s  %-9s %s  role %s as %s from %s%s%s\n", val(runs, i, 0),
                    val(runs, i, 1), val(runs, i, 7), shown(&b1, runs, i, 3),
                    shown(&b2, runs, i, 4),
                    *val(runs, i, 5) ? val(runs, i, 5) : "local",
                    *val(runs, i, 11) ? "\n    " : "", shown(&b3, runs, i, 11));
            /* one run's text is audit_timeline's (timeline.h): here only the list */
        }
        sb_free(&b1);
        sb_free(&b2);
        sb_free(&b3);
    }
    audit_approvers_free(appr, nappr);
    PQclear(runs);
    PQclear(stmts);
    return 0;
}
