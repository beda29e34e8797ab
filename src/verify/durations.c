/*
 * durations.c: what the audit trail says about time, for pgward verify: per run
 * (the most recent first), its statements' durations added up, the run's own time
 * and its slowest statements with file:line. Evidence only: pgward measures, it
 * does not judge (no budget: a policy sets none yet). Which locks a statement took
 * is not recorded, so it is not reported (docs/verify.md).
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
