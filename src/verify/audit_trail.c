/*
 * audit_trail.c: the audit-trail gate of pgward verify: audit.runs and the local
 * journal agree, every run is settled, and the hash chain holds (audit/chain.h: the
 * chain recomputed from the rows, cross-checked with the journal's heads).
 */
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "audit/chain.h"
#include "audit/journal.h"
#include "verify/gate.h"

/* ------------------------------------------------------------------ audit trail */

/* The chain's findings (with the journal's runs when there are). */
static void check_chain(verify_gate *g, const chain_trail *t, const journal_runs *runs,
                        const char *path)
{
    if (!t)
        return;
    chain_report rep = {0};
    chain_check(t, runs, path, &rep);
    for (size_t i = 0; i < rep.nevidence; i++)
        gate_evidence(g, "%s", rep.evidence[i]);
    for (size_t i = 0; i < rep.nproblems; i++)
        gate_problem(g, "%s", rep.problems[i]);
    chain_report_free(&rep);
}

static void check_journal(verify_gate *g, const char *path, const chain_trail *chain)
{
    struct stat st;
    if (!path) {
        gate_evidence(g, "no journal given");
        check_chain(g, chain, NULL, NULL);
        return;
    }
    if (stat(path, &st) != 0) {
        gate_evidence(g, "journal %s: none (nothing to sync)", path);
        check_chain(g, chain, NULL, NULL);
        return;
    }
    journal_runs runs;
    char *err = NULL;
    if (journal_read(path, &runs, &err) < 0) {
        gate_problem(g, "cannot read the journal: %s", err);
        free(err);
        journal_runs_free(&runs);
        return;
    }
    for (size_t i = 0; i < runs.nwarnings; i++)
        gate_evidence(g, "%s", runs.warnings[i]);
    size_t unsynced = 0;
    for (size_t i = 0; i < runs.count; i++) {
        const journal_run *r = &runs.items[i];
        if (r->audited)
            continue;
        unsynced++;
        const cJSON *t = r->begin ? cJSON_GetObjectItemCaseSensitive(r->begin, "time") : NULL;
        const cJSON *role = r->begin ? cJSON_GetObjectItemCaseSensitive(r->begin, "role") : NULL;
        gate_problem(g, "run %s not synced (journal %s:%d%s%s%s%s): run pgward audit sync", r->run,
                path, r->first_line, cJSON_IsString(t) ? ", started " : "",
                cJSON_IsString(t) ? t->valuestring : "", cJSON_IsString(role) ? ", role " : "",
                cJSON_IsString(role) ? role->valuestring : "");
    }
    gate_evidence(g, "journal %s: %zu run%s, %zu synced", path, runs.count, runs.count == 1 ? "" : "s",
             runs.count - unsynced);
    check_chain(g, chain, &runs, path);
    journal_runs_free(&runs);
}

void gate_audit_trail(vctx *v, const char *journal_path)
{
    verify_gate *g = gate_add(v, "audit-trail",
                              "every run has a final status, the hash chain holds and the local journal is synced");
    verify_runs *vr = &v->r->runs;
    vr->failed_statements = -1;
    PGresult *res = catalog_query(v, "cannot look for audit.runs",
                      "SELECT to_regclass('audit.runs') IS NOT NULL, "
                      "to_regclass('audit.statements') IS NOT NULL",
                      0, NULL);
    if (!res)
        return;
    bool have_runs = cell_bool(res, 0, 0), have_statements = cell_bool(res, 0, 1);
    PQclear(res);
    char *msg = NULL;
    if (!have_runs) {
        gate_problem(g, "audit.runs does not exist: the audit trail was never set up (sql/audit.sql)");
    } else if (!(res = catalog_try(v,
                                 "SELECT count(*), count(*) FILTER (WHERE status = 'committed'), "
                                 "count(*) FILTER (WHERE status = 'failed'), "
                                 "count(*) FILTER (WHERE status = 'cancelled'), "
                                 "count(*) FILTER (WHERE status = 'dry-run'), "
                                 "count(*) FILTER (WHERE status = 'running') FROM audit.runs",
                                 0, NULL, &msg))) {
        if (v->err) {
            free(msg);
            return;
        }
        gate_problem(g, "cannot read audit.runs as %s: %s (verify as a role that may read the audit "
                   "trail, such as the staging bootstrap's ehg_admin)",
                v->r->user, msg);
        free(msg);
        msg = NULL;
    } else {
        vr->readable = true;
        vr->total = cell_long(res, 0, 0);
        vr->committed = cell_long(res, 0, 1);
        vr->failed = cell_long(res, 0, 2);
        vr->cancelled = cell_long(res, 0, 3);
        vr->dry_run = cell_long(res, 0, 4);
        vr->running = cell_long(res, 0, 5);
        PQclear(res);
        gate_evidence(g,
                 "audit.runs: %ld run%s: %ld committed, %ld failed, %ld cancelled, %ld dry-run, "
                 "%ld running",
                 vr->total, vr->total == 1 ? "" : "s", vr->committed, vr->failed, vr->cancelled,
                 vr->dry_run, vr->running);
        res = catalog_query(v, "cannot read the running runs",
                "SELECT r.id::text, " UTC_TEXT("r.started_at") ", r.role, "
                "EXISTS (SELECT 1 FROM pg_stat_activity a "
                "        WHERE a.application_name = 'pgward apply ' || r.id::text) "
                "FROM audit.runs r WHERE r.status = 'running' ORDER BY r.started_at, r.id",
                0, NULL);
        for (int i = 0; res && i < PQntuples(res); i++) {
            if (cell_bool(res, i, 3))
                gate_evidence(g, "run %s (role %s, started %s) is running now: its session is alive",
                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1));
            else
                gate_problem(g, "run %s (role %s, started %s) has no final status and no live "
                           "session: run pgward audit sync where it ran",
                        PQgetvalue(res, i, 0), PQgetvalue(res, i, 2), PQgetvalue(res, i, 1));
        }
        PQclear(res);
        if (v->err)
            return;
        /* a statement in doubt may or may not have run: nothing is final until someone
           settles it (pgward audit settle) */
        if (have_statements &&
            (res = catalog_try(v,
                               "SELECT s.run_id::text, s.seq, s.file, coalesce(s.line, 0) "
                               "FROM audit.statements s WHERE s.status = 'in-doubt' AND "
                               "(to_regclass('audit.settlements') IS NULL OR NOT EXISTS "
                               "(SELECT 1 FROM audit.settlements st WHERE st.run_id = s.run_id "
                               "AND st.seq = s.seq)) ORDER BY s.run_id, s.seq",
                               0, NULL, &msg))) {
            for (int i = 0; i < PQntuples(res); i++)
                gate_problem(g,
                             "statement %s of run %s (%s:%s) is in doubt: it ran outside a "
                             "transaction and its outcome was lost; check its effect, then "
                             "pgward audit settle %s %s ran|did-not-run --note ...",
                             PQgetvalue(res, i, 1), PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
                             PQgetvalue(res, i, 3), PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
            PQclear(res);
        } else {
            free(msg);
            msg = NULL;
            if (v->err)
                return;
        }
        if (have_statements)
            audit_trail_durations(v, g);
        if (v->err)
            return;
        if (have_statements &&
            (res = catalog_try(v, "SELECT count(*) FROM audit.statements WHERE status = 'failed'",
                             0, NULL, &msg))) {
            vr->failed_statements = cell_long(res, 0, 0);
            PQclear(res);
        } else {
            free(msg);
            if (v->err)
                return;
        }
    }
    chain_trail t, *chain = NULL;
    if (vr->readable) {
        if (chain_load(v->c, &t, &msg) == 0) {
            chain = &t;
        } else {
            gate_problem(g, "cannot read the hash chain: %s", msg);
            free(msg);
        }
    }
    check_journal(g, journal_path, chain);
    if (chain)
        chain_trail_free(chain);
}

