/*
 * durations.c: what the audit trail says about time, for pgward verify: per run
 * (the most recent first), its statements' durations added up, the run's own time
 * and its slowest statements with file:line, as evidence of the audit-trail gate.
 * And the gate budget, only when the policy sets one (budget run D; budget
 * statement D;): the latest run of each bundle, and each of its statements, within
 * it; and budget lock D: how long each of those statements' locks that keep other
 * sessions' writes waiting (SHARE and stronger, audit.locks) were held.
 */
#include "verify/gate.h"

#include "audit/audit.h"

/* At most this many runs are listed; the rest are counted (keep the two equal). */
#define DURATION_RUNS 20
#define DURATION_RUNS_TEXT "20"

/* %s: the run's blocking locks (locks_sql below), column 8 */
static const char *durations_sql =
    "SELECT r.id::text, r.status, " UTC_TEXT("r.started_at") ", "
    "(SELECT count(*) FROM audit.statements s WHERE s.run_id = r.id), "
    "(SELECT round(coalesce(sum(s.duration_ms), 0)::numeric, 1) FROM audit.statements s "
    " WHERE s.run_id = r.id), "
    "round((extract(epoch FROM r.finished_at - r.started_at) * 1000)::numeric), "
    "(SELECT string_agg(format('%%s:%%s (%%s ms)', t.file, coalesce(t.line, 0), "
    "                          round(t.duration_ms::numeric, 1)), ', ' "
    "                   ORDER BY t.duration_ms DESC, t.seq) "
    " FROM (SELECT s.file, s.line, s.duration_ms, s.seq FROM audit.statements s "
    "       WHERE s.run_id = r.id AND s.duration_ms IS NOT NULL "
    "       ORDER BY s.duration_ms DESC, s.seq LIMIT 3) t), "
    "count(*) OVER (), %s "
    "FROM audit.runs r ORDER BY r.started_at DESC, r.id LIMIT " DURATION_RUNS_TEXT;

/* A lock row of k that keeps other sessions' writes waiting (SHARE and stronger) on
   a relation the run did not create: what the evidence lists and the budget
   bounds, one definition for both. */
#define BLOCKING_LOCK_ROW                                                               \
    "k.relation IS NOT NULL AND NOT k.created AND k.mode IN ('ShareLock', "            \
    "'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')"

/* Per run: the locks that keep other sessions' writes waiting (SHARE and stronger)
   on relations it did not create, with where each was taken; 'none' when its
   statements' locks were observed and there are none; NULL when none was observed. */
static const char *locks_sql =
    "(SELECT CASE WHEN count(*) = 0 THEN NULL "
    " WHEN count(*) FILTER (WHERE " BLOCKING_LOCK_ROW ") = 0 "
    " THEN 'none' ELSE string_agg(" AUDIT_LOCK_MODE_SQL("k.mode") " || ' ' || k.relation "
    "   || ' (' || s.file || ':' || coalesce(s.line, 0) || ')', ', ' ORDER BY k.seq, k.ord) "
    "   FILTER (WHERE " BLOCKING_LOCK_ROW ") END "
    " FROM audit.locks k JOIN audit.statements s ON s.run_id = k.run_id AND s.seq = k.seq "
    " WHERE k.run_id = r.id)";

void audit_trail_durations(vctx *v, verify_gate *g)
{
    char *msg = NULL;
    PGresult *have = catalog_try(v, "SELECT to_regclass('audit.locks') IS NOT NULL", 0, NULL,
                                 &msg);
    bool recorded = have && cell_bool(have, 0, 0);
    PQclear(have);
    char *sql = xasprintf(durations_sql, recorded ? locks_sql : "NULL::text");
    PGresult *res = msg ? NULL : catalog_try(v, sql, 0, NULL, &msg);
    free(sql);
    if (!res) {
        /* the gate reports an unreadable trail already; a lost connection is v->err */
        free(msg);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *run_ms = cell_text(res, i, 5), *slowest = cell_text(res, i, 6);
        const char *locks = cell_text(res, i, 8);
        gate_evidence(g,
                      "durations: run %s (%s, started %s): %s statement%s, %s ms in "
                      "statements, %s%s%s%s; locks that keep writers waiting: %s",
                      cell_text(res, i, 0), cell_text(res, i, 1), cell_text(res, i, 2),
                      cell_text(res, i, 3), cell_long(res, i, 3) == 1 ? "" : "s",
                      cell_text(res, i, 4), run_ms ? run_ms : "not ended",
                      run_ms ? " ms for the run" : "", slowest ? "; slowest: " : "",
                      slowest ? slowest : "",
                      locks ? locks : "not observed (pgward audit show --run ID)");
    }
    long total = PQntuples(res) ? cell_long(res, 0, 7) : 0;
    if (total > DURATION_RUNS)
        gate_evidence(g, "durations: %ld earlier run%s not listed (pgward audit show --run ID)",
                      total - DURATION_RUNS, total - DURATION_RUNS == 1 ? "" : "s");
    PQclear(res);
}

/* ------------------------------------------------------------------ budget */

/* The latest ended run of each bundle: the final state the budgets judge (a slow
   run that a later run of the same bundle replaced is history). */
#define LATEST_RUNS                                                                     \
    "WITH latest AS (SELECT DISTINCT ON (r.bundle_sha256) r.id, r.bundle_sha256, "     \
    "r.status, extract(epoch FROM r.finished_at - r.started_at) * 1000 AS ms "          \
    "FROM audit.runs r WHERE r.finished_at IS NOT NULL AND r.status <> 'running' "      \
    "ORDER BY r.bundle_sha256, r.started_at DESC, r.id) "

static void budget_runs(vctx *v, verify_gate *g, long secs)
{
    char limit[32];
    snprintf(limit, sizeof(limit), "%ld", secs * 1000);
    const char *params[] = {limit};
    char *budget = duration_text(secs);
    PGresult *res = catalog_query(
        v, "cannot read the runs' durations",
        LATEST_RUNS "SELECT l.id::text, left(l.bundle_sha256, 12), l.status, "
                    "round(l.ms::numeric), l.ms > $1::float8, count(*) OVER () "
                    "FROM latest l ORDER BY l.ms DESC, l.id",
        1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        if (cell_bool(res, i, 4))
            gate_problem(g,
                         "run %s (bundle %s, %s) took %s ms, over the policy's run budget of "
                         "%s",
                         cell_text(res, i, 0), cell_text(res, i, 1), cell_text(res, i, 2),
                         cell_text(res, i, 3), budget);
        else if (i == 0)
            gate_evidence(g,
                          "budget run %s: the latest runs of %s bundle%s are within it (the "
                          "longest: run %s, %s ms)",
                          budget, cell_text(res, 0, 5), cell_long(res, 0, 5) == 1 ? "" : "s",
                          cell_text(res, 0, 0), cell_text(res, 0, 3));
    }
    if (res && PQntuples(res) == 0)
        gate_evidence(g, "budget run %s: no run has ended yet", budget);
    PQclear(res);
    free(budget);
}

static void budget_statements(vctx *v, verify_gate *g, long secs)
{
    char limit[32];
    snprintf(limit, sizeof(limit), "%ld", secs * 1000);
    const char *params[] = {limit};
    char *budget = duration_text(secs);
    PGresult *res = catalog_query(
        v, "cannot read the statements' durations",
        LATEST_RUNS "SELECT l.id::text, s.seq, s.file, coalesce(s.line, 0), "
                    "round(s.duration_ms::numeric, 1), s.duration_ms > $1::float8 "
                    "FROM latest l JOIN audit.statements s ON s.run_id = l.id "
                    "WHERE s.duration_ms IS NOT NULL "
                    "ORDER BY s.duration_ms > $1::float8 DESC, "
                    "CASE WHEN s.duration_ms > $1::float8 THEN 0 ELSE -s.duration_ms END, "
                    "l.id, s.seq",
        1, params);
    bool over = false;
    for (int i = 0; res && i < PQntuples(res); i++) {
        if (cell_bool(res, i, 5)) {
            over = true;
            gate_problem(g,
                         "statement %s of run %s (%s:%s) took %s ms, over the policy's "
                         "statement budget of %s",
                         cell_text(res, i, 1), cell_text(res, i, 0), cell_text(res, i, 2),
                         cell_text(res, i, 3), cell_text(res, i, 4), budget);
        } else if (!over) {
            gate_evidence(g,
                          "budget statement %s: every statement of those runs is within it "
                          "(the slowest: %s:%s in run %s, %s ms)",
                          budget, cell_text(res, i, 2), cell_text(res, i, 3),
                          cell_text(res, i, 0), cell_text(res, i, 4));
            break;
        } else {
            break;
        }
    }
    if (res && PQntuples(res) == 0)
        gate_evidence(g, "budget statement %s: no statement recorded yet", budget);
    PQclear(res);
    free(budget);
}

/*
 * A lock is held from the statement that took it to its transaction's end: the
 * durations of that statement and of every later one of its transaction (the
 * COMMIT itself is not timed). Outside a transaction a statement's locks end with
 * it. A statement whose locks were not observed (it ran outside a transaction, or
 * before audit schema 5) is within the budget only when that bound is: else whether
 * it held a lock that long is unknown, which is NO-GO. CREATE INDEX and DROP INDEX
 * outside a transaction are CONCURRENTLY (without it they run in one): they take
 * SHARE UPDATE EXCLUSIVE, which keeps no reader or writer waiting.
 */
/* The latest runs' locks that keep writers waiting, and how long each was held: from
   the statement that took it (the first of the window its listing covered) to its
   transaction's end. */
#define BLOCKING_LOCKS                                                                  \
    "SELECT l.id AS run, k.seq, s.file, coalesce(s.line, 0) AS line, s.txn, "           \
    "s.command_tag, (SELECT sum(coalesce(s2.duration_ms, 0)) FROM audit.statements s2 "  \
    " WHERE s2.run_id = k.run_id AND s2.txn = s.txn AND s2.seq >= coalesce(k.since, "    \
    " k.seq)) AS ms, k.relation, " AUDIT_LOCK_MODE_SQL("k.mode") " AS mode, k.since "     \
    "FROM latest l JOIN audit.locks k ON k.run_id = l.id JOIN audit.statements s "        \
    "ON s.run_id = k.run_id AND s.seq = k.seq WHERE " BLOCKING_LOCK_ROW

/* The latest runs' statements whose locks were not observed (no listing covered
   them), with the longest any lock of theirs can have been held: outside a
   transaction their own duration, inside one the rest of it. %s: whether a listing
   covered the statement (FALSE before audit schema 5). */
#define UNOBSERVED                                                                      \
    "SELECT l.id AS run, s.seq, s.file, coalesce(s.line, 0) AS line, s.txn, "           \
    "s.command_tag, CASE WHEN s.txn = 0 THEN coalesce(s.duration_ms, 0) ELSE "          \
    "(SELECT sum(coalesce(s2.duration_ms, 0)) FROM audit.statements s2 "                 \
    " WHERE s2.run_id = s.run_id AND s2.txn = s.txn AND s2.seq >= s.seq) END AS ms, "   \
    "NULL::text AS relation, NULL::text AS mode, NULL::integer AS since "               \
    "FROM latest l JOIN audit.statements s ON s.run_id = l.id WHERE NOT %s"

#define COVERED                                                                         \
    "EXISTS (SELECT 1 FROM audit.locks k WHERE k.run_id = s.run_id AND (k.seq = s.seq "  \
    "OR (k.seq > s.seq AND k.since <= s.seq)))"

static void budget_locks(vctx *v, verify_gate *g, long secs)
{
    PGresult *have = catalog_query(v, "cannot look for audit.locks",
                                   "SELECT to_regclass('audit.locks') IS NOT NULL", 0, NULL);
    if (!have)
        return;
    bool recorded = cell_bool(have, 0, 0);
    PQclear(have);
    char limit[32];
    snprintf(limit, sizeof(limit), "%ld", secs * 1000);
    const char *params[] = {limit};
    char *budget = duration_text(secs);
    /* one row per blocking lock taken, and per statement whose locks are unknown and
       whose bound is over the budget (CREATE INDEX and DROP INDEX outside a
       transaction are CONCURRENTLY: SHARE UPDATE EXCLUSIVE keeps nobody waiting); the
       longest first */
    char *unobserved = xasprintf(UNOBSERVED, recorded ? COVERED : "FALSE");
    char *sql = xasprintf(
        LATEST_RUNS ", held AS (%s%s%s) "
        "SELECT h.run::text, h.seq, h.file, h.line, round(h.ms::numeric, 1), "
        "h.ms > $1::float8, h.relation, h.mode, h.txn, coalesce(h.command_tag, ''), h.since "
        "FROM held h WHERE h.relation IS NOT NULL OR (h.ms > $1::float8 AND NOT (h.txn = 0 "
        "AND h.command_tag IN ('CREATE INDEX', 'DROP INDEX'))) "
        "ORDER BY h.ms DESC, h.run, h.seq",
        recorded ? BLOCKING_LOCKS : "", recorded ? " UNION ALL " : "", unobserved);
    free(unobserved);
    PGresult *res = catalog_query(v, "cannot read the statements' locks", sql, 1, params);
    free(sql);
    bool over = false;
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *rel = cell_text(res, i, 6);
        bool too_long = cell_bool(res, i, 5);
        const char *since = cell_text(res, i, 10);
        char *who = since ? xasprintf("one of statements %s-%s", since, cell_text(res, i, 1))
                          : xasprintf("statement %s", cell_text(res, i, 1));
        if (too_long && rel) {
            over = true;
            gate_problem(g,
                         "%s of run %s (%s:%s) took %s on %s and held it %s ms%s, over the "
                         "policy's lock budget of %s",
                         who, cell_text(res, i, 0), cell_text(res, i, 2), cell_text(res, i, 3),
                         cell_text(res, i, 7), rel, cell_text(res, i, 4),
                         cell_long(res, i, 8) ? " (to its transaction's end)" : "", budget);
        } else if (too_long) {
            over = true;
            gate_problem(g,
                         "statement %s of run %s (%s:%s, %s) ran %s ms%s and its locks were not "
                         "observed (%s): whether it kept others waiting longer than the "
                         "policy's lock budget of %s is not known",
                         cell_text(res, i, 1), cell_text(res, i, 0), cell_text(res, i, 2),
                         cell_text(res, i, 3), cell_text(res, i, 9), cell_text(res, i, 4),
                         cell_long(res, i, 8) ? " with the rest of its transaction" : "",
                         !cell_long(res, i, 8) ? "it ran outside a transaction"
                         : recorded            ? "it failed, or the run stopped before its "
                                                 "locks were listed"
                                               : "recorded before audit schema version 5",
                         budget);
        } else if (!over) {
            gate_evidence(g,
                          "budget lock %s: every lock that keeps writers waiting was held "
                          "within it (the longest: %s on %s, %s ms, %s of run %s at %s:%s)",
                          budget, cell_text(res, i, 7), rel ? rel : "?", cell_text(res, i, 4),
                          who, cell_text(res, i, 0), cell_text(res, i, 2),
                          cell_text(res, i, 3));
            free(who);
            break;
        } else {
            free(who);
            break;
        }
        free(who);
    }
    if (res && PQntuples(res) == 0)
        gate_evidence(g,
                      "budget lock %s: the latest runs took no lock that keeps writers "
                      "waiting (SHARE or stronger) on a relation they did not create",
                      budget);
    PQclear(res);
    free(budget);
}

void gate_budget(vctx *v)
{
    const policy *p = v->p;
    if (!p->budget_run_seconds && !p->budget_statement_seconds && !p->budget_lock_seconds)
        return; /* no budget: no gate, and nothing claimed */
    verify_gate *g = gate_add(v, "budget",
                              "the latest run of each bundle is within the policy's budgets");
    PGresult *res = catalog_query(v, "cannot look for audit.runs",
                                  "SELECT to_regclass('audit.runs') IS NOT NULL AND "
                                  "to_regclass('audit.statements') IS NOT NULL",
                                  0, NULL);
    if (!res)
        return;
    bool have = cell_bool(res, 0, 0);
    PQclear(res);
    if (!have) {
        gate_problem(g, "audit.runs does not exist: no run to measure against the budgets");
        return;
    }
    if (p->budget_run_seconds)
        budget_runs(v, g, p->budget_run_seconds);
    if (!v->err && p->budget_statement_seconds)
        budget_statements(v, g, p->budget_statement_seconds);
    if (!v->err && p->budget_lock_seconds)
        budget_locks(v, g, p->budget_lock_seconds);
}
