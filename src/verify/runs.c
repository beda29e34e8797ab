/*
 * runs.c: the final state of the runs of audit.runs, two items of verify's
 * checklist: "all staging scripts completed successfully" and "zero errors in
 * staging execution".
 *
 * The verdict is about the final state, per bundle (audit.runs.bundle_sha256, the
 * digest of its manifest): a run that failed or was cancelled is history when a
 * later run of the same bundle committed, or, for a failed statement, when a later
 * committed run of the same role applied its file: the bundle rebuilt after the
 * fix (apply's own history is by file path: it resumes and skips files by path, so
 * this is the same model). Shown as evidence; otherwise it stands,
 * NO-GO, named with its run id and its failed statement's file, line and SQLSTATE.
 * A run without a final status, and a statement in doubt not settled, stay NO-GO
 * whatever ran after them: what they did is not known. Dry runs change nothing and
 * are only counted.
 */
#include "verify/gate.h"

/* Every run but the dry ones, oldest first, with the first failed statement and the
   first later committed run that makes it history (the same bundle, or the same role
   applying the failed statement's file), with that run's bundle. */
#define RUNS_SQL                                                                        \
    "SELECT r.id::text, r.bundle_sha256, r.status, " UTC_TEXT("r.started_at") ", r.role, " \
    "b.id IS NOT NULL, b.id::text, "                                                    \
    "s.file, s.line, s.sqlstate, s.message, r.message, "                                \
    "EXISTS (SELECT 1 FROM pg_stat_activity a "                                         \
    "        WHERE a.application_name = 'pgward apply ' || r.id::text), "               \
    "b.bundle_sha256 "                                                                  \
    "FROM audit.runs r LEFT JOIN LATERAL (SELECT s.file, s.line, s.sqlstate, s.message " \
    "  FROM audit.statements s WHERE s.run_id = r.id AND s.status = 'failed' "          \
    "  ORDER BY s.seq LIMIT 1) s ON true "                                              \
    "LEFT JOIN LATERAL (SELECT l.id, l.bundle_sha256 FROM audit.runs l "                \
    "  WHERE l.status = 'committed' AND (l.started_at, l.id::text) > "                  \
    "  (r.started_at, r.id::text) AND (l.bundle_sha256 = r.bundle_sha256 OR "          \
    "  (s.file IS NOT NULL AND l.role = r.role AND EXISTS (SELECT 1 FROM audit.files f " \
    "   WHERE f.run_id = l.id AND f.path = s.file))) "                                   \
    "  ORDER BY l.bundle_sha256 <> r.bundle_sha256, l.started_at, l.id LIMIT 1) b ON true " \
    "WHERE r.status <> 'dry-run' ORDER BY r.started_at, r.id"

enum { C_ID, C_BUNDLE, C_STATUS, C_STARTED, C_ROLE, C_SUPERSEDED, C_BY, C_FILE, C_LINE,
       C_STATE, C_SMSG, C_RMSG, C_LIVE, C_BY_BUNDLE };

/* How the run that made run i history relates to it: "the same bundle", or "a
   rebuilt bundle (digest) of the same role, which applied FILE" (malloc'd). */
static char *superseder(const PGresult *res, int i)
{
    const char *by = cell_text(res, i, C_BY_BUNDLE);
    if (by && strcmp(by, PQgetvalue(res, i, C_BUNDLE)) == 0)
        return xasprintf("run %s of the same bundle", PQgetvalue(res, i, C_BY));
    char b[13];
    snprintf(b, sizeof(b), "%s", by ? by : "");
    return xasprintf("run %s of bundle %s (rebuilt: same role, it applied %s)",
                     PQgetvalue(res, i, C_BY), b, cell_text(res, i, C_FILE));
}

/* The runs, or NULL after recording why they cannot be read as a problem, or that
   there are none (the audit-trail gate counted them). */
static PGresult *read_runs(vctx *v, verify_gate *item)
{
    if (!v->r->runs.readable) {
        gate_problem(item, "audit.runs could not be read (see audit-trail): the runs' final "
                           "state is unknown");
        return NULL;
    }
    if (v->r->runs.total == 0) {
        /* no run, so no statement either (audit.statements references its run) */
        gate_evidence(item, "no run recorded in audit.runs: nothing ran, nothing failed");
        return NULL;
    }
    char *msg = NULL;
    PGresult *res = catalog_try(v, RUNS_SQL, 0, NULL, &msg);
    if (!res) {
        if (!v->err)
            gate_problem(item, "cannot read the runs' final state: %s", msg);
        free(msg);
    }
    return res;
}

/* The message without the "file:line:col: " apply put in front of it. */
static const char *bare_message(const char *msg, const char *file)
{
    size_t n = strlen(file);
    if (strncmp(msg, file, n) != 0 || msg[n] != ':')
        return msg;
    const char *p = msg + n;
    while (*p == ':' && p[1] >= '0' && p[1] <= '9') {
        p++;
        p += strspn(p, "0123456789");
    }
    return strncmp(p, ": ", 2) == 0 ? p + 2 : msg;
}

/* "file.sql:3: SQLSTATE 22012: division by zero", else the run's own message. */
static char *failure_text(const PGresult *res, int i)
{
    const char *file = cell_text(res, i, C_FILE);
    if (file)
        return xasprintf("%s:%s: SQLSTATE %s: %s", file,
                         cell_text(res, i, C_LINE) ? cell_text(res, i, C_LINE) : "?",
                         cell_text(res, i, C_STATE) ? cell_text(res, i, C_STATE) : "none",
                         cell_text(res, i, C_SMSG) ? bare_message(cell_text(res, i, C_SMSG), file)
                                                   : "");
    const char *m = cell_text(res, i, C_RMSG);
    return xstrdup(m && *m ? m : "no failed statement and no message recorded");
}

/* "at file:line: ..." for a failed statement, ": message" for the run's message. */
static const char *failure_join(const PGresult *res, int i)
{
    return cell_text(res, i, C_FILE) ? " at " : ": ";
}

/* The first 12 hex digits of a digest, as the other reports shorten it. */
static const char *short_digest(const char *d, char buf[13])
{
    snprintf(buf, 13, "%s", d);
    return buf;
}

void item_runs_completed(vctx *v, verify_gate *item)
{
    PGresult *res = read_runs(v, item);
    if (!res)
        return;
    long committed_last = 0, history = 0;
    char b[13];
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, C_ID), *status = PQgetvalue(res, i, C_STATUS);
        short_digest(PQgetvalue(res, i, C_BUNDLE), b);
        if (strcmp(status, "running") == 0) {
            gate_problem(item, "run %s of bundle %s (role %s, started %s) has no final status%s",
                         id, b, PQgetvalue(res, i, C_ROLE), PQgetvalue(res, i, C_STARTED),
                         cell_bool(res, i, C_LIVE) ? ": it is still running"
                                                   : " and no live session");
        } else if (strcmp(status, "committed") == 0) {
            committed_last += !cell_bool(res, i, C_SUPERSEDED);
        } else if (cell_bool(res, i, C_SUPERSEDED)) {
            history++;
            char *f = failure_text(res, i), *by = superseder(res, i);
            gate_evidence(item, "history: run %s of bundle %s %s (%s), then %s committed", id,
                          b, status, f, by);
            free(f);
            free(by);
        } else {
            char *f = failure_text(res, i);
            gate_problem(item, "run %s of bundle %s (role %s, started %s) %s and no later run of "
                               "the bundle (or of its failed file) committed: %s",
                         id, b, PQgetvalue(res, i, C_ROLE), PQgetvalue(res, i, C_STARTED), status, f);
            free(f);
        }
    }
    gate_evidence(item, "%d run%s (dry runs aside): %ld committed as the last of %s bundle, "
                        "%ld failed or cancelled and completed later",
                  PQntuples(res), PQntuples(res) == 1 ? "" : "s", committed_last,
                  committed_last == 1 ? "its" : "their", history);
    PQclear(res);
}

void item_runs_no_errors(vctx *v, verify_gate *item)
{
    PGresult *res = read_runs(v, item);
    if (!res)
        return;
    long history = 0, failed = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, C_STATUS), "failed") != 0)
            continue;
        failed++;
        char *f = failure_text(res, i);
        if (cell_bool(res, i, C_SUPERSEDED)) {
            history++;
            char *by = superseder(res, i);
            gate_evidence(item, "history: run %s failed%s%s; %s committed later",
                          PQgetvalue(res, i, C_ID), failure_join(res, i), f, by);
            free(by);
        } else {
            gate_problem(item, "run %s failed%s%s", PQgetvalue(res, i, C_ID), failure_join(res, i),
                         f);
        }
        free(f);
    }
    PQclear(res);
    /* a statement in doubt may or may not have run: a later success does not say */
    char *msg = NULL;
    res = catalog_try(v,
                      "SELECT s.run_id::text, s.seq, s.file, coalesce(s.line, 0) "
                      "FROM audit.statements s WHERE s.status = 'in-doubt' AND "
                      "(to_regclass('audit.settlements') IS NULL OR NOT EXISTS "
                      "(SELECT 1 FROM audit.settlements st WHERE st.run_id = s.run_id "
                      "AND st.seq = s.seq)) ORDER BY s.run_id, s.seq",
                      0, NULL, &msg);
    if (!res) {
        if (!v->err)
            gate_problem(item, "cannot read the statements in doubt: %s", msg);
        free(msg);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++)
        gate_problem(item, "run %s: statement %s (%s:%s) is in doubt and not settled",
                     PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                     PQgetvalue(res, i, 3));
    /* worded so that a report without one never says "in doubt" */
    gate_evidence(item, "%ld failed run%s (dry runs aside), %ld of them history; %d unsettled "
                        "statement%s whose outcome was lost",
                  failed, failed == 1 ? "" : "s", history, PQntuples(res),
                  PQntuples(res) == 1 ? "" : "s");
    PQclear(res);
}
