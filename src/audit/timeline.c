/*
 * timeline.c: one run of the audit trail as a timeline; see timeline.h.
 *
 * Everything comes from audit.runs, audit.files, audit.statements and
 * audit.settlements, read with parameters. What the tables do not record is not
 * made up: a statement's start time is not stored (its duration is), so the
 * statements are listed in the order they ran, with their durations.
 */
#include "audit/timeline.h"

#include "audit/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/util.h"
#include "conn/conn.h"
#include "conn/wait.h"

#define UTC(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static PGresult *query(PGconn *c, const char *sql, const char *run, const char *what,
                       char **err)
{
    const char *v[] = {run};
    PGresult *r = conn_exec_params(c, sql, 1, v);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char *m = conn_error_message(c, r);
        *err = xasprintf("%s: %s", what, m);
        free(m);
        PQclear(r);
        return NULL;
    }
    return r;
}

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

/*
 * A value for the output: escaped for a terminal (text.h); for markdown also every
 * character that would format, link or end a table cell, so a file name or a
 * server message written by a script author reads as what it is. Valid until the
 * next call with the same buf.
 */
static const char *shown(strbuf *buf, const char *v, bool markdown)
{
    strbuf t = {0};
    text_escape(&t, v, strlen(v), false, 0);
    sb_truncate(buf, 0);
    for (size_t i = 0; i < t.len; i++) {
        char ch = t.buf[i];
        if (markdown && strchr("\\`*_[]<>|#!~&", ch))
            sb_addc(buf, '\\');
        sb_addc(buf, markdown && ch == '\t' ? ' ' : ch);
    }
    if (!buf->buf)
        sb_adds(buf, "");
    sb_free(&t);
    return buf->buf;
}

/*
 * The approvals that counted for the run (audit.approvals, schema version 4; none
 * before it): who signed the bundle off, whether a human, when, and the note,
 * escaped like every other text from the trail.
 */
static int timeline_approvals(PGconn *c, const char *run_id, bool markdown, FILE *out,
                              char **err)
{
    audit_approver *a = NULL;
    size_t n = 0;
    if (audit_run_approvers(c, run_id, &a, &n, err) < 0)
        return -1;
    strbuf who = {0}, note = {0};
    if (!n)
        fprintf(out, "%s\n", markdown ? "- approvals: none recorded" : "  approvals: none recorded");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%sapproved by %s%s at %s%s%s%s\n", markdown ? "- " : "  ",
                shown(&who, a[i].approver, markdown), a[i].human ? " (human)" : "",
                a[i].approved_at, *a[i].note ? ": \"" : "",
                *a[i].note ? shown(&note, a[i].note, markdown) : "", *a[i].note ? "\"" : "");
    sb_free(&who);
    sb_free(&note);
    audit_approvers_free(a, n);
    return 0;
}

static const char *run_sql =
    "SELECT id, status, mode, role, db_user, coalesce(host(client_host), 'local'), "
    "coalesce(client, ''), " UTC("started_at") ", " UTC("finished_at") ", "
    "bundle_sha256, policy_sha256, message, "
    "round((extract(epoch FROM finished_at - started_at) * 1000)::numeric, 1) "
    "FROM audit.runs WHERE id = $1::uuid";

static const char *files_sql =
    "SELECT path, sha256, txn, " UTC("applied_at") " FROM audit.files "
    "WHERE run_id = $1::uuid ORDER BY applied_at, path";

/* %s: audit_locks_sql(), column 15 */
static const char *statements_sql =
    "SELECT s.seq, s.txn, s.file, coalesce(s.line, 0), coalesce(s.col, 0), "
    "coalesce(s.command_tag, ''), s.rows_affected, "
    "round(s.duration_ms::numeric, 3), s.status, coalesce(s.sqlstate, ''), "
    "coalesce(s.message, ''), st.outcome, st.settled_by, " UTC("st.settled_at") ", "
    "coalesce(st.note, ''), %s "
    "FROM audit.statements s LEFT JOIN audit.settlements st "
    "ON st.run_id = s.run_id AND st.seq = s.seq "
    "WHERE s.run_id = $1::uuid ORDER BY s.seq";

/* What the statements add up to: their count per status and their total time. */
static const char *summary_sql =
    "SELECT coalesce(sum(n), 0), round(coalesce(sum(duration_ms), 0)::numeric, 3), "
    "coalesce(string_agg(n || ' ' || status, ', ' ORDER BY min_seq), '') FROM "
    "(SELECT status, count(*) AS n, min(seq) AS min_seq, sum(duration_ms) AS duration_ms "
    " FROM audit.statements WHERE run_id = $1::uuid GROUP BY status) s";

/* The labels of the run's facts in text (aligned) and in markdown (a list). */
typedef struct run_labels {
    const char *who, *what, *file, *when, *how_long, *outcome, *bold;
    bool markdown;
} run_labels;

static const run_labels text_labels = {"  who:      ", "  what:     ", "            ",
                                       "  when:     ", "  how long: ", "  outcome:  ", "",
                                       false};
static const run_labels markdown_labels = {"- who: ", "- what: ", "  - ", "- when: ",
                                           "- how long: ", "- outcome: ", "**", true};

/* Who, what, when, how long and the outcome of the run: one text, two layouts. */
static void print_run_facts(const PGresult *run, const PGresult *files, const PGresult *sum,
                            const run_labels *l, FILE *out)
{
    strbuf b1 = {0}, b2 = {0}, b3 = {0};
    bool md = l->markdown;
    fprintf(out, "%srole %s, session user %s, operator %s, from %s\n", l->who,
            shown(&b1, val(run, 0, 3), md), shown(&b2, val(run, 0, 4), md),
            *val(run, 0, 6) ? shown(&b3, val(run, 0, 6), md) : "unknown", val(run, 0, 5));
    fprintf(out, "%sbundle sha256 %s, policy sha256 %s, %s mode\n", l->what, val(run, 0, 9),
            val(run, 0, 10), val(run, 0, 2));
    for (int i = 0; i < PQntuples(files); i++)
        fprintf(out, "%sfile %s, sha256 %s, transaction %s, applied %s\n", l->file,
                shown(&b1, val(files, i, 0), md), val(files, i, 1), val(files, i, 2),
                val(files, i, 3));
    if (PQntuples(files) == 0)
        fprintf(out, "%sno file recorded as applied (a file is, once all of it committed)\n",
                l->file);
    fprintf(out, "%sstarted %s, %s %s\n", l->when, val(run, 0, 7),
            *val(run, 0, 8) ? "ended" : "not ended", val(run, 0, 8));
    fprintf(out, "%s%s%s; statements %s ms in total (%s statement%s%s%s)\n", l->how_long,
            *val(run, 0, 12) ? val(run, 0, 12) : "unknown", *val(run, 0, 12) ? " ms" : "",
            val(sum, 0, 1), val(sum, 0, 0), strcmp(val(sum, 0, 0), "1") == 0 ? "" : "s",
            *val(sum, 0, 2) ? ": " : "", val(sum, 0, 2));
    fprintf(out, "%s%s%s%s%s%s\n", l->outcome, l->bold, val(run, 0, 1), l->bold,
            *val(run, 0, 11) ? ": " : "", shown(&b1, val(run, 0, 11), md));
    sb_free(&b1);
    sb_free(&b2);
    sb_free(&b3);
}

/* What statement row i says of its locks: the list, "none", "not observed" for a
   statement that ran outside a transaction, or NULL: nothing to say (it failed, or
   the trail is older than the record of locks). */
static const char *locks_shown(const PGresult *st, int i)
{
    if (!PQgetisnull(st, i, 15))
        return val(st, i, 15);
    if (strcmp(val(st, i, 8), "ok") == 0 && strcmp(val(st, i, 1), "0") == 0)
        return "not observed (it ran outside a transaction)";
    return NULL;
}

static void print_text(const PGresult *run, const PGresult *files, const PGresult *st,
                       const PGresult *sum, FILE *out)
{
    strbuf b1 = {0}, b2 = {0}, b3 = {0};
    fprintf(out, "run %s: %s\n", val(run, 0, 0), val(run, 0, 1));
    print_run_facts(run, files, sum, &text_labels, out);
    if (PQntuples(st) > 0)
        fprintf(out, "  statements, in the order they ran:\n");
    for (int i = 0; i < PQntuples(st); i++) {
        fprintf(out, "    %4s  %s:%s:%s  %s%s  %s%s%s%s%s%s", val(st, i, 0),
                shown(&b1, val(st, i, 2), false), val(st, i, 3), val(st, i, 4),
                *val(st, i, 7) ? val(st, i, 7) : "duration unknown",
                *val(st, i, 7) ? " ms" : "", val(st, i, 8),
                *val(st, i, 9) ? " [SQLSTATE " : "", val(st, i, 9), *val(st, i, 9) ? "]" : "",
                *val(st, i, 5) ? "  " : "", shown(&b2, val(st, i, 5), false));
        if (!PQgetisnull(st, i, 6) && strcmp(val(st, i, 6), "-1") != 0)
            fprintf(out, ", %s row%s", val(st, i, 6), strcmp(val(st, i, 6), "1") == 0 ? "" : "s");
        if (*val(st, i, 10))
            fprintf(out, ": %s", shown(&b3, val(st, i, 10), false));
        if (!PQgetisnull(st, i, 11))
            fprintf(out, " (settled: %s, by %s at %s: %s)", val(st, i, 11),
                    shown(&b1, val(st, i, 12), false), val(st, i, 13),
                    shown(&b2, val(st, i, 14), false));
        const char *locks = locks_shown(st, i);
        if (locks)
            fprintf(out, "; locks: %s", shown(&b1, locks, false));
        fputc('\n', out);
    }
    sb_free(&b1);
    sb_free(&b2);
    sb_free(&b3);
}

static void print_markdown(const PGresult *run, const PGresult *files, const PGresult *st,
                           const PGresult *sum, FILE *out)
{
    strbuf b1 = {0}, b2 = {0}, b3 = {0};
    fprintf(out, "### Evidence: run %s (%s)\n\n", val(run, 0, 0), val(run, 0, 1));
    print_run_facts(run, files, sum, &markdown_labels, out);
    if (PQntuples(st) > 0)
        fprintf(out, "\n| seq | file:line:col | duration (ms) | rows | status | SQLSTATE | "
                     "command or error | locks taken |\n"
                     "| ---: | --- | ---: | ---: | --- | --- | --- | --- |\n");
    for (int i = 0; i < PQntuples(st); i++) {
        bool rows = !PQgetisnull(st, i, 6) && strcmp(val(st, i, 6), "-1") != 0;
        fprintf(out, "| %s | %s:%s:%s | %s | %s | %s", val(st, i, 0),
                shown(&b1, val(st, i, 2), true), val(st, i, 3), val(st, i, 4), val(st, i, 7),
                rows ? val(st, i, 6) : "", val(st, i, 8));
        if (!PQgetisnull(st, i, 11)) {
            fprintf(out, " (settled: %s, by %s at %s: ", val(st, i, 11),
                    shown(&b2, val(st, i, 12), true), val(st, i, 13));
            fprintf(out, "%s)", shown(&b2, val(st, i, 14), true));
        }
        fprintf(out, " | %s | %s |", val(st, i, 9),
                shown(&b3, *val(st, i, 10) ? val(st, i, 10) : val(st, i, 5), true));
        const char *locks = locks_shown(st, i);
        fprintf(out, " %s |\n", locks ? shown(&b3, locks, true) : "");
    }
    sb_free(&b1);
    sb_free(&b2);
    sb_free(&b3);
}

int audit_timeline(PGconn *c, const char *run_id, bool markdown, FILE *out, char **err)
{
    PGresult *run = query(c, run_sql, run_id, "cannot read audit.runs", err);
    if (!run)
        return -1;
    if (PQntuples(run) == 0) {
        PQclear(run);
        *err = xasprintf("no run '%s' in audit.runs", run_id);
        return -1;
    }
    PGresult *files = query(c, files_sql, run_id, "cannot read audit.files", err);
    const char *locks = files ? audit_locks_sql(c, AUDIT_LOCKS_TEXT, err) : NULL;
    char *sql = locks ? xasprintf(statements_sql, locks) : NULL;
    PGresult *st = sql ? query(c, sql, run_id, "cannot read audit.statements", err) : NULL;
    free(sql);
    PGresult *sum = st ? query(c, summary_sql, run_id, "cannot read audit.statements", err)
                       : NULL;
    int rc = -1;
    if (sum) {
        if (markdown)
            print_markdown(run, files, st, sum, out);
        else
            print_text(run, files, st, sum, out);
        rc = timeline_approvals(c, run_id, markdown, out, err);
    }
    PQclear(run);
    PQclear(files);
    PQclear(st);
    PQclear(sum);
    return rc;
}
