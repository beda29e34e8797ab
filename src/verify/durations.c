/*
 * durations.c: what the audit trail says about time, for pgward verify: per run
 * (the most recent first), its statements' durations added up, the run's own time
 * and its slowest statements with file:line, as evidence of the audit-trail gate.
 * And the gate budget, only when the policy sets one (budget run D; budget
 * statement D;): the latest run of each bundle, and each of its statements, within
 * it. Which locks a statement took is not recorded, so no budget is about locks
 * (docs/verify.md).
 */
#include "verify/gate.h"

/* At most this many runs are listed; the rest are counted (keep the two equal). */
#define DURATION_RUNS 20
#define DURATION_RUNS_TEXT "20"

static const char *durations_sql =
    "SELECT r.id::text, r.status, " UTC_TEXT("r.started_at") ", "
    "(SELECT count(*) FROM audit.statements s WHERE s.run_id = r.id), "
    "(SELECT round(coalesce(sum(s.duration_ms), 0)::numeric, 1) FROM audit.statements s "
    " WHERE s.run_id = r.id), "
    "round((extract(epoch FROM r.finished_at - r.started_at) * 1000)::numeric), "
    "(SELECT string_agg(format('%s:%s (%s ms)', t.file, coalesce(t.line, 0), "
    "                          round(t.duration_ms::numeric, 1)), ', ' "
    "                   ORDER BY t.duration_ms DESC, t.seq) "
    " FROM (SELECT s.file, s.line, s.duration_ms, s.seq FROM audit.statements s "
    "       WHERE s.run_id = r.id AND s.duration_ms IS NOT NULL "
    "       ORDER BY s.duration_ms DESC, s.seq LIMIT 3) t), "
    "count(*) OVER () "
    "FROM audit.runs r ORDER BY r.started_at DESC, r.id LIMIT " DURATION_RUNS_TEXT;

void audit_trail_durations(vctx *v, verify_gate *g)
{
    char *msg = NULL;
    PGresult *res = catalog_try(v, durations_sql, 0, NULL, &msg);
    if (!res) {
        /* the gate reports an unreadable trail already; a lost connection is v->err */
        free(msg);
        return;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *run_ms = cell_text(res, i, 5), *slowest = cell_text(res, i, 6);
        gate_evidence(g,
                      "durations: run %s (%s, started %s): %s statement%s, %s ms in "
                      "statements, %s%s%s%s",
                      cell_text(res, i, 0), cell_text(res, i, 1), cell_text(res, i, 2),
                      cell_text(res, i, 3), cell_long(res, i, 3) == 1 ? "" : "s",
                      cell_text(res, i, 4), run_ms ? run_ms : "not ended",
                      run_ms ? " ms for the run" : "", slowest ? "; slowest: " : "",
                      slowest ? slowest : "");
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

void gate_budget(vctx *v)
{
    const policy *p = v->p;
    if (!p->budget_run_seconds && !p->budget_statement_seconds)
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
}
