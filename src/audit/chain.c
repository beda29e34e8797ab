/*
 * chain.c: recomputing and checking the audit trail's hash chain; see chain.h.
 *
 * The rows are read with every value rendered by an explicit expression (timestamps
 * by to_char in UTC, doubles through numeric), so that the text does not depend on
 * the session's DateStyle, TimeZone or extra_float_digits, and in UTF-8 (the client
 * encoding is switched for the reading and put back), the encoding the chain text is
 * hashed in.
 */
#include "audit/chain.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "conn/conn.h"

#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

void chain_field(strbuf *sb, const char *value)
{
    if (!value) {
        sb_addc(sb, '-');
        return;
    }
    sb_addf(sb, "%zu:", strlen(value));
    sb_adds(sb, value);
}

static void line_fields(strbuf *sb, const char *kind, const char *const *values, size_t n)
{
    sb_adds(sb, kind);
    for (size_t i = 0; i < n; i++) {
        sb_addc(sb, ' ');
        chain_field(sb, values[i]);
    }
}

void chain_line(strbuf *sb, const char *kind, const char *const *values, size_t n)
{
    line_fields(sb, kind, values, n);
    sb_addc(sb, '\n');
}

void chain_run_hash(const char *prev, const char *body, size_t body_len, char out[65])
{
    strbuf sb = {0};
    sb_adds(&sb, CHAIN_HEADER "\nprev ");
    if (prev && *prev)
        sb_adds(&sb, prev);
    else
        for (int i = 0; i < 64; i++)
            sb_addc(&sb, '0');
    sb_addc(&sb, '\n');
    sb_add(&sb, body ? body : "", body ? body_len : 0);
    sha256_hex_of(sb.buf, sb.len, out);
    sb_free(&sb);
}

void chain_row_hash(const char *kind, const char *const *values, size_t n, char out[65])
{
    strbuf sb = {0};
    line_fields(&sb, kind, values, n);
    sha256_hex_of(sb.buf, sb.len, out);
    sb_free(&sb);
}

/* ------------------------------------------------------------------ loading */

static const char *cell(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static void copy_hash(char out[65], const char *v)
{
    snprintf(out, 65, "%s", v ? v : "");
}

static PGresult *query(PGconn *c, const char *sql, int n, const char *const *v, const char *what,
                       char **err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char *m = conn_error_message(c, r);
        *err = xasprintf("%s: %s", what, m);
        free(m);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* The run line's columns, in the order of the format (docs/audit.md). */
#define RUN_FIELDS 18
static const char runs_sql[] =
    "SELECT r.chain_pos::text, r.id::text, r.bundle_sha256, r.policy_sha256, r.role::text, "
    "r.db_user::text, r.client_host::text, r.client, " UTC("r.started_at") ", " UTC(
        "r.finished_at") ", r.status, r.mode, r.message, r.backend_pid::text, " UTC("r.backend_"
                                                                                    "start") ", "
    "CASE WHEN r.chain_legacy THEN 'true' ELSE 'false' END, r.chain_statements::text, "
    "r.chain_files::text, r.chain_hash FROM audit.runs r "
    "ORDER BY r.chain_pos NULLS LAST, r.started_at, r.id";

#define STATEMENT_FIELDS 13
static const char statements_sql[] =
    "SELECT seq::text, txn::text, file, file_seq::text, line::text, col::text, sha256, "
    "command_tag, rows_affected::text, duration_ms::numeric::text, status, sqlstate, message, "
    "chain_row FROM audit.statements s WHERE run_id = $1::uuid ORDER BY s.seq";

#define FILE_FIELDS 4
static const char files_sql[] =
    "SELECT path, sha256, txn::text, " UTC("applied_at") ", chain_row FROM audit.files f "
                                                         "WHERE run_id = $1::uuid ORDER BY "
                                                         "f.path COLLATE \"C\"";

/* Reads the statement or file rows of run into its body and rows. ORDER BY names the
   table's column: the output column of the same name is its text (10 before 9). */
static int load_rows(PGconn *c, chain_run *run, strbuf *body, bool files, char **err)
{
    const char *v[] = {run->id};
    PGresult *r = query(c, files ? files_sql : statements_sql, 1, v,
                        files ? "cannot read audit.files" : "cannot read audit.statements", err);
    if (!r)
        return -1;
    int nf = files ? FILE_FIELDS : STATEMENT_FIELDS, n = PQntuples(r);
    chain_row *rows = xcalloc(n ? (size_t)n : 1, sizeof(chain_row));
    const char *vals[STATEMENT_FIELDS];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nf; k++)
            vals[k] = cell(r, i, k);
        const char *kind = files ? "file" : "statement";
        chain_line(body, kind, vals, (size_t)nf);
        rows[i].key = xstrdup(vals[0] ? vals[0] : "?");
        chain_row_hash(kind, vals, (size_t)nf, rows[i].computed);
        copy_hash(rows[i].stored, cell(r, i, nf));
    }
    if (files) {
        run->files = rows;
        run->nfiles = (size_t)n;
    } else {
        run->statements = rows;
        run->nstatements = (size_t)n;
    }
    PQclear(r);
    return 0;
}

/*
 * The lines a run's rows of later schema versions add after its statements and
 * files, in this order; a run without such rows has none of them, so a run sealed
 * before the table existed keeps its chain text. No per-row hash: the run's covers
 * them.
 */
typedef struct extra_lines {
    const char *table;   /* its to_regclass name: absent before its version */
    const char *line;    /* the chain line's word */
    int nfields;
    const char *sql;     /* $1: the run's id */
} extra_lines;

static const extra_lines extras[] = {
    /* version 4: who approved the run's bundle */
    {"audit.approvals", "approval", 6,
     "SELECT approver, CASE WHEN human THEN 'true' ELSE 'false' END, approved_at, note, key, "
     "signature FROM audit.approvals a WHERE run_id = $1::uuid "
     "ORDER BY a.approver COLLATE \"C\""},
    /* version 5: the locks each statement took */
    {"audit.locks", "lock", 6,
     "SELECT seq, ord, relation, mode, CASE WHEN created THEN 'true' ELSE 'false' END, since "
     "FROM audit.locks WHERE run_id = $1::uuid "
     "ORDER BY seq, ord"},
};

static int load_extra(PGconn *c, const extra_lines *x, chain_run *run, strbuf *body,
                      char **err)
{
    const char *v[] = {run->id};
    char *what = xasprintf("cannot read %s", x->table);
    PGresult *r = query(c, x->sql, 1, v, what, err);
    free(what);
    if (!r)
        return -1;
    const char *vals[8];
    for (int i = 0; i < PQntuples(r); i++) {
        for (int k = 0; k < x->nfields; k++)
            vals[k] = cell(r, i, k);
        chain_line(body, x->line, vals, (size_t)x->nfields);
    }
    PQclear(r);
    return 0;
}

static int load(PGconn *c, chain_trail *t, char **err)
{
    PGresult *r = query(c,
                        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
                        "to_regclass('audit.runs') AND attname = 'chain_pos' AND NOT "
                        "attisdropped), to_regprocedure('audit.pgward_trail_id()') IS NOT NULL, "
                        "to_regclass('audit.approvals') IS NOT NULL, "
                        "to_regclass('audit.locks') IS NOT NULL",
                        0, NULL, "cannot look for the hash chain", err);
    if (!r)
        return -1;
    t->unchained = strcmp(PQgetvalue(r, 0, 0), "t") != 0;
    bool have_trail = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
    bool have_extra[ARRAY_SIZE(extras)];
    for (size_t k = 0; k < ARRAY_SIZE(extras); k++)
        have_extra[k] = strcmp(PQgetvalue(r, 0, 2 + (int)k), "t") == 0;
    PQclear(r);
    if (t->unchained)
        return 0;
    if (have_trail) {
        if (!(r = query(c, "SELECT audit.pgward_trail_id()::text", 0, NULL,
                        "cannot read the trail's id", err)))
            return -1;
        t->trail = PQntuples(r) && !PQgetisnull(r, 0, 0) ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
        PQclear(r);
    }
    if (!(r = query(c, runs_sql, 0, NULL, "cannot read audit.runs", err)))
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        GROW(t->runs, t->capruns, t->nruns + 1);
        chain_run *run = &t->runs[t->nruns++];
        memset(run, 0, sizeof(*run));
        const char *vals[RUN_FIELDS];
        for (int k = 0; k < RUN_FIELDS; k++)
            vals[k] = cell(r, i, k);
        run->pos = vals[0] ? atoll(vals[0]) : 0;
        run->id = xstrdup(vals[1]);
        run->role = xstrdup(vals[4] ? vals[4] : "");
        run->started = xstrdup(vals[8] ? vals[8] : "");
        run->status = xstrdup(vals[10] ? vals[10] : "");
        run->legacy = vals[15] && strcmp(vals[15], "true") == 0;
        run->sealed_statements = vals[16] ? atoll(vals[16]) : -1;
        run->sealed_files = vals[17] ? atoll(vals[17]) : -1;
        copy_hash(run->stored, cell(r, i, RUN_FIELDS));
        if (!run->pos)
            continue;
        strbuf body = {0};
        chain_line(&body, "run", vals, RUN_FIELDS);
        int rc = load_rows(c, run, &body, false, err) < 0 ||
                         load_rows(c, run, &body, true, err) < 0
                     ? -1
                     : 0;
        for (size_t k = 0; rc == 0 && k < ARRAY_SIZE(extras); k++)
            if (have_extra[k] && load_extra(c, &extras[k], run, &body, err) < 0)
                rc = -1;
        if (rc < 0) {
            sb_free(&body);
            PQclear(r);
            return -1;
        }
        run->body_len = body.len;
        run->body = sb_detach(&body, NULL);
    }
    PQclear(r);
    return 0;
}

int chain_load(PGconn *c, chain_trail *t, char **err)
{
    memset(t, 0, sizeof(*t));
    /* the chain is hashed in UTF-8: read the text in it, then put the encoding back */
    char *was = xstrdup(pg_encoding_to_char(PQclientEncoding(c)));
    bool switched = strcmp(was, "UTF8") != 0;
    if (switched && PQsetClientEncoding(c, "UTF8") != 0) {
        *err = xasprintf("cannot read the audit trail in UTF-8: %s", PQerrorMessage(c));
        free(was);
        return -1;
    }
    int rc = load(c, t, err);
    if (switched)
        PQsetClientEncoding(c, was);
    free(was);
    if (rc < 0) {
        chain_trail_free(t);
        memset(t, 0, sizeof(*t));
    }
    return rc;
}

static void free_rows(chain_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].key);
    free(rows);
}

void chain_trail_free(chain_trail *t)
{
    for (size_t i = 0; i < t->nruns; i++) {
        chain_run *r = &t->runs[i];
        free(r->id);
        free(r->status);
        free(r->role);
        free(r->started);
        free(r->body);
        free_rows(r->statements, r->nstatements);
        free_rows(r->files, r->nfiles);
    }
    free(t->runs);
    free(t->trail);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ checking */

static void problem(chain_report *rep, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void problem(chain_report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    GROW(rep->problems, rep->capproblems, rep->nproblems + 1);
    rep->problems[rep->nproblems++] = xvasprintf(fmt, ap);
    va_end(ap);
}

static void evidence(chain_report *rep, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void evidence(chain_report *rep, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    GROW(rep->evidence, rep->capevidence, rep->nevidence + 1);
    rep->evidence[rep->nevidence++] = xvasprintf(fmt, ap);
    va_end(ap);
}

/* The statement seqs missing from 1 up to the largest one a run had (a deletion). */
static void missing_seqs(const chain_run *r, strbuf *out)
{
    long long top = (long long)r->nstatements;
    if (r->sealed_statements > top)
        top = r->sealed_statements;
    size_t k = 0, named = 0;
    for (long long seq = 1; seq <= top && named < 10; seq++) {
        while (k < r->nstatements && atoll(r->statements[k].key) < seq)
            k++;
        if (k < r->nstatements && atoll(r->statements[k].key) == seq)
            continue;
        sb_addf(out, "%s%lld", named++ ? ", " : "", seq);
    }
}

/* Names the rows of a run whose hash does not hold: returns how many it named. */
static size_t name_rows(const chain_run *r, chain_report *rep)
{
    size_t named = 0;
    for (size_t i = 0; i < r->nstatements; i++) {
        const chain_row *s = &r->statements[i];
        if (!*s->stored) {
            problem(rep, "run %s: statement seq %s was added after the run was sealed", r->id,
                    s->key);
            named++;
        } else if (strcmp(s->stored, s->computed) != 0) {
            problem(rep, "run %s: statement seq %s was edited (it does not match its chain hash)",
                    r->id, s->key);
            named++;
        }
    }
    for (size_t i = 0; i < r->nfiles; i++) {
        const chain_row *f = &r->files[i];
        if (!*f->stored) {
            problem(rep, "run %s: file row '%s' was added after the run was sealed", r->id,
                    f->key);
            named++;
        } else if (strcmp(f->stored, f->computed) != 0) {
            problem(rep, "run %s: file row '%s' was edited (it does not match its chain hash)",
                    r->id, f->key);
            named++;
        }
    }
    if (r->sealed_statements >= 0 && (long long)r->nstatements < r->sealed_statements) {
        strbuf seqs = {0};
        missing_seqs(r, &seqs);
        problem(rep, "run %s: %lld statement row%s deleted (%lld sealed, %zu now)%s%s", r->id,
                r->sealed_statements - (long long)r->nstatements,
                r->sealed_statements - (long long)r->nstatements == 1 ? "" : "s",
                r->sealed_statements, r->nstatements, seqs.len ? ": seq " : "",
                seqs.len ? seqs.buf : "");
        sb_free(&seqs);
        named++;
    }
    if (r->sealed_files >= 0 && (long long)r->nfiles < r->sealed_files) {
        problem(rep, "run %s: %lld file row%s deleted (%lld sealed, %zu now)", r->id,
                r->sealed_files - (long long)r->nfiles,
                r->sealed_files - (long long)r->nfiles == 1 ? "" : "s", r->sealed_files,
                r->nfiles);
        named++;
    }
    return named;
}

static const chain_run *find_run(const chain_trail *t, const char *id)
{
    for (size_t i = 0; i < t->nruns; i++)
        if (strcmp(t->runs[i].id, id) == 0)
            return &t->runs[i];
    return NULL;
}

static void check_journal(const chain_trail *t, const journal_runs *runs, const char *name,
                          chain_report *rep)
{
    size_t checked = 0, elsewhere = 0, unsealed = 0;
    long long journal_head = 0;
    const journal_run *head_run = NULL;
    for (size_t i = 0; i < runs->count; i++) {
        const journal_run *jr = &runs->items[i];
        if (!jr->audited)
            continue;
        if (!jr->chain_pos) {
            unsealed++; /* audited before the chain (schema version 3), or not sealed */
            continue;
        }
        if (!t->trail || !jr->trail || strcmp(jr->trail, t->trail) != 0) {
            elsewhere++;
            continue;
        }
        checked++;
        if (jr->chain_pos > journal_head) {
            journal_head = jr->chain_pos;
            head_run = jr;
        }
        const chain_run *r = find_run(t, jr->run);
        if (!r)
            problem(rep,
                    "run %s: the journal (%s:%d) has it sealed at chain position %lld, but "
                    "audit.runs has no such run: it was deleted",
                    jr->run, name, jr->audited_line, jr->chain_pos);
        else if (r->pos != jr->chain_pos || strcmp(r->stored, jr->chain_hash) != 0)
            problem(rep,
                    "run %s: audit.runs has it at chain position %lld with hash %.12s, the "
                    "journal (%s:%d) at %lld with hash %.12s: the chain was rewritten",
                    jr->run, r->pos, *r->stored ? r->stored : "(none)", name, jr->audited_line,
                    jr->chain_pos, jr->chain_hash);
    }
    if (journal_head > rep->head_pos)
        problem(rep,
                "the chain ends at position %lld, behind the journal's %lld (run %s, %s:%d): "
                "sealed runs were deleted from its end",
                rep->head_pos, journal_head, head_run->run, name, head_run->audited_line);
    evidence(rep, "journal %s: %zu sealed run%s of this trail cross-checked", name, checked,
             checked == 1 ? "" : "s");
    if (elsewhere)
        evidence(rep, "journal %s: %zu run%s sealed in other audit trails (other databases), "
                      "not checked here",
                 name, elsewhere, elsewhere == 1 ? "" : "s");
    if (unsealed)
        evidence(rep, "journal %s: %zu audited run%s without a chain head (before schema "
                      "version 3, or not sealed)",
                 name, unsealed, unsealed == 1 ? "" : "s");
}

void chain_check(const chain_trail *t, const journal_runs *runs, const char *journal_name,
                 chain_report *rep)
{
    if (t->unchained) {
        problem(rep, "audit.runs has no hash chain (audit schema before version 3): any run of "
                     "pgward apply upgrades it");
        return;
    }
    long long expected = 1;
    const char *prev = NULL;
    const chain_run *before = NULL;
    size_t sealed = 0, legacy = 0, running = 0;
    for (size_t i = 0; i < t->nruns; i++) {
        const chain_run *r = &t->runs[i];
        if (!r->pos) {
            if (strcmp(r->status, "running") == 0)
                running++;
            else
                problem(rep,
                        "run %s (%s, role %s, started %s) is finished but not in the hash "
                        "chain: forged or edited (pgward seals every run it finishes)",
                        r->id, r->status, r->role, r->started);
            continue;
        }
        sealed++;
        legacy += r->legacy;
        bool after_gap = false;
        if (before && r->pos == before->pos) {
            problem(rep, "runs %s and %s share chain position %lld", before->id, r->id, r->pos);
            continue;
        }
        if (r->pos > expected) {
            after_gap = true;
            if (r->pos == expected + 1)
                problem(rep,
                        "chain position %lld is missing (before run %s at %lld): a sealed run "
                        "was deleted",
                        expected, r->id, r->pos);
            else
                problem(rep,
                        "chain positions %lld to %lld are missing (before run %s at %lld): "
                        "sealed runs were deleted",
                        expected, r->pos - 1, r->id, r->pos);
        }
        char computed[65];
        chain_run_hash(prev, r->body, r->body_len, computed);
        if (!*r->stored) {
            problem(rep, "run %s (chain position %lld) has no chain hash", r->id, r->pos);
        } else if (strcmp(computed, r->stored) != 0) {
            size_t named = name_rows(r, rep);
            if (!named && !after_gap)
                problem(rep,
                        "run %s (chain position %lld): its row in audit.runs, or its rows in "
                        "audit.approvals or audit.locks, do not match its chain hash: edited",
                        r->id, r->pos);
        }
        prev = r->stored;
        before = r;
        expected = r->pos + 1;
    }
    rep->head_pos = before ? before->pos : 0;
    copy_hash(rep->head_hash, before ? before->stored : "");
    if (before)
        evidence(rep, "hash chain: %zu sealed run%s, head at position %lld (hash %.12s)", sealed,
                 sealed == 1 ? "" : "s", rep->head_pos, rep->head_hash);
    else
        evidence(rep, "hash chain: no sealed run yet");
    if (legacy)
        evidence(rep,
                 "hash chain: %zu legacy run%s sealed at the upgrade to schema version 3 "
                 "(unchanged since then; not proven before)",
                 legacy, legacy == 1 ? "" : "s");
    if (running)
        evidence(rep, "hash chain: %zu running run%s, sealed when finished", running,
                 running == 1 ? "" : "s");
    if (runs)
        check_journal(t, runs, journal_name ? journal_name : "journal", rep);
}

void chain_report_free(chain_report *rep)
{
    for (size_t i = 0; i < rep->nproblems; i++)
        free(rep->problems[i]);
    for (size_t i = 0; i < rep->nevidence; i++)
        free(rep->evidence[i]);
    free(rep->problems);
    free(rep->evidence);
    memset(rep, 0, sizeof(*rep));
}

/* ------------------------------------------------------------------ the head */

int chain_run_head(PGconn *c, const char *run_id, long long *pos, char hash[65], char **trail,
                   char **err)
{
    *pos = 0;
    hash[0] = '\0';
    *trail = NULL;
    const char *v[] = {run_id};
    PGresult *r = query(c,
                        "SELECT chain_pos, chain_hash, trail::text FROM "
                        "audit.pgward_run_head($1::uuid)",
                        1, v, "cannot read the run's place in the hash chain", err);
    if (!r)
        return -1;
    if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
        *pos = atoll(PQgetvalue(r, 0, 0));
        copy_hash(hash, cell(r, 0, 1));
        *trail = cell(r, 0, 2) ? xstrdup(cell(r, 0, 2)) : NULL;
    }
    PQclear(r);
    return 0;
}

void chain_add_head(PGconn *c, const char *run_id, cJSON *audited)
{
    long long pos;
    char hash[65], *trail = NULL, *err = NULL;
    /* a head that cannot be read only weakens the cross-check: the record still goes */
    if (chain_run_head(c, run_id, &pos, hash, &trail, &err) == 0 && pos > 0 && *hash) {
        cJSON_AddNumberToObject(audited, "chain_pos", (double)pos);
        cJSON_AddStringToObject(audited, "chain_hash", hash);
        if (trail)
            cJSON_AddStringToObject(audited, "trail", trail);
    }
    free(trail);
    free(err);
}
