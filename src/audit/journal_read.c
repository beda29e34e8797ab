/*
 * journal_read.c: reading pgward apply's journal back and folding it into runs;
 * see journal.h.
 *
 * Reading: the text is split at '\n'; every line is parsed by cJSON (from a
 * NUL-terminated copy, so cJSON never sees past the line), checked against the
 * table of events (journal.c) and folded into its run. Runs are found through a small
 * open-addressing hash table (plus a cache of the last run), transactions through
 * one per run, and statement records are appended while their seq grows (the usual
 * order) and sorted once at the end otherwise, so reading is O(n log n) at worst.
 * statement-start records wait on a stack until their statement record arrives;
 * whatever is left is resolved at the end against the statements' line numbers.
 */
#include "audit/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/journal_record.h"
#include "base/util.h"

/* ---- reading and folding ---- */

typedef struct slot {
    int seq;
    size_t line;
    cJSON *rec;
} slot;

/* What folding a run needs besides the run itself (parallel to runs->items). */
typedef struct run_aux {
    size_t begin_line;
    slot *stmts; /* statement records; sorted by seq unless unsorted */
    size_t nstmts, capstmts;
    bool unsorted;
    slot *starts; /* statement-start records not (yet) followed by their statement */
    size_t nstarts, capstarts;
    size_t *txn_table; /* open addressing: 1 + index into run->txns, 0 = empty */
    size_t txn_cap;
} run_aux;

typedef struct reader {
    const char *name;
    journal_runs *out;
    run_aux *aux;
    size_t capaux;
    size_t *run_table; /* open addressing: 1 + index into out->items, 0 = empty */
    size_t run_cap;
    size_t last_run; /* 1 + index of the last run looked up, 0 = none */
    strbuf line;
} reader;

static size_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

static size_t hash_int(int v)
{
    uint64_t h = (uint64_t)(unsigned)v * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h ^ (h >> 31));
}

static void run_table_insert(size_t *table, size_t cap, const journal_runs *runs, size_t idx)
{
    size_t i = hash_str(runs->items[idx].run) & (cap - 1);
    while (table[i])
        i = (i + 1) & (cap - 1);
    table[i] = idx + 1;
}

/* The index of run id's run, added (first record on line) when it is new. */
static size_t run_index(reader *rd, const char *id, size_t line)
{
    journal_runs *runs = rd->out;
    if (rd->last_run && strcmp(runs->items[rd->last_run - 1].run, id) == 0)
        return rd->last_run - 1;
    if (rd->run_cap) {
        for (size_t i = hash_str(id) & (rd->run_cap - 1); rd->run_table[i];
             i = (i + 1) & (rd->run_cap - 1)) {
            size_t idx = rd->run_table[i] - 1;
            if (strcmp(runs->items[idx].run, id) == 0) {
                rd->last_run = idx + 1;
                return idx;
            }
        }
    }
    if ((runs->count + 1) * 2 > rd->run_cap) {
        size_t cap = rd->run_cap ? rd->run_cap * 2 : 16;
        free(rd->run_table);
        rd->run_table = xcalloc(cap, sizeof(size_t));
        rd->run_cap = cap;
        for (size_t k = 0; k < runs->count; k++)
            run_table_insert(rd->run_table, cap, runs, k);
    }
    size_t idx = runs->count;
    GROW(runs->items, runs->cap, idx + 1);
    GROW(rd->aux, rd->capaux, idx + 1);
    memset(&runs->items[idx], 0, sizeof(runs->items[idx]));
    memset(&rd->aux[idx], 0, sizeof(rd->aux[idx]));
    runs->items[idx].run = xstrdup(id);
    runs->items[idx].first_line = (int)line;
    runs->count++;
    run_table_insert(rd->run_table, rd->run_cap, runs, idx);
    rd->last_run = idx + 1;
    return idx;
}

/* Transaction txn of run r: its entry, added in state st when new (*is_new). */
static journal_txn *txn_entry(journal_run *r, run_aux *a, int txn, journal_txn_state st,
                              bool *is_new)
{
    *is_new = false;
    if (a->txn_cap) {
        for (size_t i = hash_int(txn) & (a->txn_cap - 1); a->txn_table[i];
             i = (i + 1) & (a->txn_cap - 1))
            if (r->txns[a->txn_table[i] - 1].txn == txn)
                return &r->txns[a->txn_table[i] - 1];
    }
    if ((r->ntxns + 1) * 2 > a->txn_cap) {
        size_t cap = a->txn_cap ? a->txn_cap * 2 : 16;
        free(a->txn_table);
        a->txn_table = xcalloc(cap, sizeof(size_t));
        a->txn_cap = cap;
        for (size_t k = 0; k < r->ntxns; k++) {
            size_t i = hash_int(r->txns[k].txn) & (cap - 1);
            while (a->txn_table[i])
                i = (i + 1) & (cap - 1);
            a->txn_table[i] = k + 1;
        }
    }
    GROW(r->txns, r->captxns, r->ntxns + 1);
    r->txns[r->ntxns] = (journal_txn){.txn = txn, .state = st};
    size_t i = hash_int(txn) & (a->txn_cap - 1);
    while (a->txn_table[i])
        i = (i + 1) & (a->txn_cap - 1);
    a->txn_table[i] = ++r->ntxns;
    *is_new = true;
    return &r->txns[r->ntxns - 1];
}

/* Index of the slot with seq in sorted slots, or -(insertion point) - 1. */
static ptrdiff_t find_seq(const slot *s, size_t n, int seq)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].seq < seq)
            lo = mid + 1;
        else if (s[mid].seq > seq)
            hi = mid;
        else
            return (ptrdiff_t)mid;
    }
    return -(ptrdiff_t)lo - 1;
}

static void add_statement(run_aux *a, int seq, size_t line, cJSON *rec)
{
    if (!a->unsorted && a->nstmts) {
        ptrdiff_t at = seq > a->stmts[a->nstmts - 1].seq ? -1
                                                         : find_seq(a->stmts, a->nstmts, seq);
        if (at >= 0) { /* the same statement again: the later record wins */
            cJSON_Delete(a->stmts[at].rec);
            a->stmts[at].line = line;
            a->stmts[at].rec = rec;
            return;
        }
        if (seq < a->stmts[a->nstmts - 1].seq)
            a->unsorted = true; /* sorted (and duplicates dropped) at the end */
    }
    GROW(a->stmts, a->capstmts, a->nstmts + 1);
    a->stmts[a->nstmts++] = (slot){.seq = seq, .line = line, .rec = rec};
}

static int cmp_slot(const void *x, const void *y)
{
    const slot *a = x, *b = y;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* Moves what aux holds into the run: statements by seq, the statement in doubt. */
static void finish_run(journal_run *r, run_aux *a)
{
    if (a->unsorted) {
        qsort(a->stmts, a->nstmts, sizeof(slot), cmp_slot);
        size_t k = 0;
        for (size_t i = 0; i < a->nstmts; i++) {
            if (k && a->stmts[k - 1].seq == a->stmts[i].seq) {
                cJSON_Delete(a->stmts[k - 1].rec); /* an earlier record of the same seq */
                a->stmts[k - 1] = a->stmts[i];
            } else {
                a->stmts[k++] = a->stmts[i];
            }
        }
        a->nstmts = k;
        a->unsorted = false;
    }
    /* the last statement-start that no later statement record of its seq answers */
    while (a->nstarts) {
        slot *s = &a->starts[--a->nstarts];
        ptrdiff_t at = find_seq(a->stmts, a->nstmts, s->seq);
        if (at >= 0 && a->stmts[at].line > s->line) {
            cJSON_Delete(s->rec);
            continue;
        }
        r->started = s->rec;
        while (a->nstarts)
            cJSON_Delete(a->starts[--a->nstarts].rec);
    }
    GROW(r->statements, r->capstatements, a->nstmts);
    for (size_t i = 0; i < a->nstmts; i++)
        r->statements[i] = a->stmts[i].rec;
    r->nstatements = a->nstmts;
    a->nstmts = 0;
}

static void free_aux(run_aux *a)
{
    for (size_t i = 0; i < a->nstmts; i++)
        cJSON_Delete(a->stmts[i].rec);
    for (size_t i = 0; i < a->nstarts; i++)
        cJSON_Delete(a->starts[i].rec);
    free(a->stmts);
    free(a->starts);
    free(a->txn_table);
}

static int line_error(reader *rd, char **err, size_t line, size_t col, const char *fmt, ...)
    PRINTF_LIKE(5, 6);

static int line_error(reader *rd, char **err, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = xvasprintf(fmt, ap);
    va_end(ap);
    *err = xasprintf("%s:%zu:%zu: %s", rd->name, line, col, what);
    free(what);
    return -1;
}

/* Takes ownership of rec, a checked record of kind k, and folds it into its run. */
static int fold(reader *rd, cJSON *rec, event_kind k, size_t line, char **err)
{
    const char *id = cJSON_GetObjectItemCaseSensitive(rec, "run")->valuestring;
    size_t idx = run_index(rd, id, line);
    journal_run *r = &rd->out->items[idx];
    run_aux *a = &rd->aux[idx];
    bool is_new;
    switch (k) {
    case EV_BEGIN:
        if (r->begin) {
            cJSON_Delete(rec);
            return line_error(rd, err, line, 1,
                              "a second begin record for run %s (the first is on line %zu)",
                              r->run, a->begin_line);
        }
        r->begin = rec;
        a->begin_line = line;
        return 0;
    case EV_STATEMENT: {
        int seq = journal_field_int(rec, "seq"), txn = journal_field_int(rec, "txn");
        if (txn > 0)
            txn_entry(r, a, txn, TXN_OPEN, &is_new);
        add_statement(a, seq, line, rec);
        /* the statement answers the statement-starts of its seq waiting on top */
        while (a->nstarts && a->starts[a->nstarts - 1].seq == seq)
            cJSON_Delete(a->starts[--a->nstarts].rec);
        return 0;
    }
    case EV_STATEMENT_START:
        GROW(a->starts, a->capstarts, a->nstarts + 1);
        a->starts[a->nstarts++] =
            (slot){.seq = journal_field_int(rec, "seq"), .line = line, .rec = rec};
        return 0;
    case EV_COMMIT_PENDING:
    case EV_COMMIT:
    case EV_ROLLBACK: {
        journal_txn_state st = k == EV_COMMIT_PENDING ? TXN_COMMIT_PENDING
                               : k == EV_COMMIT       ? TXN_COMMITTED
                                                      : TXN_ROLLED_BACK;
        txn_entry(r, a, journal_field_int(rec, "txn"), st, &is_new)->state = st;
        cJSON_Delete(rec);
        return 0;
    }
    case EV_END:
        cJSON_Delete(r->end); /* the last end record wins */
        r->end = rec;
        return 0;
    case EV_AUDITED: {
        r->audited = true;
        const cJSON *pos = cJSON_GetObjectItemCaseSensitive(rec, "chain_pos");
        const cJSON *hash = cJSON_GetObjectItemCaseSensitive(rec, "chain_hash");
        const cJSON *trail = cJSON_GetObjectItemCaseSensitive(rec, "trail");
        if (cJSON_IsNumber(pos) && cJSON_IsString(hash)) {
            /* the last sealed head wins (audit sync may write audited again) */
            r->chain_pos = (long long)pos->valuedouble;
            snprintf(r->chain_hash, sizeof(r->chain_hash), "%s", hash->valuestring);
            free(r->trail);
            r->trail = cJSON_IsString(trail) ? xstrdup(trail->valuestring) : NULL;
            r->audited_line = (int)(line > INT_MAX ? INT_MAX : line);
        }
        cJSON_Delete(rec);
        return 0;
    }
    }
    cJSON_Delete(rec);
    return line_error(rd, err, line, 1, "unknown event");
}

static bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int read_line(reader *rd, const char *text, size_t n, size_t line, char **err)
{
    if (n > JOURNAL_MAX_LINE)
        return line_error(rd, err, line, 1, "line longer than %zu bytes", JOURNAL_MAX_LINE);
    size_t blank = 0;
    while (blank < n && json_space(text[blank]))
        blank++;
    if (blank == n)
        return line_error(rd, err, line, 1, "empty line");
    const char *nul = memchr(text, '\0', n);
    if (nul)
        return line_error(rd, err, line, (size_t)(nul - text) + 1, "NUL byte in a record");
    sb_truncate(&rd->line, 0);
    sb_add(&rd->line, text, n);
    const char *buf = rd->line.buf, *end = NULL;
    cJSON *rec = cJSON_ParseWithLengthOpts(buf, n, &end, false);
    if (!rec) {
        size_t col = end && end >= buf && end <= buf + n ? (size_t)(end - buf) + 1 : 1;
        return line_error(rd, err, line, col, "not valid JSON");
    }
    size_t after = end && end >= buf && end <= buf + n ? (size_t)(end - buf) : n;
    while (after < n && json_space(buf[after]))
        after++;
    if (after < n) {
        cJSON_Delete(rec);
        return line_error(rd, err, line, after + 1, "text after the record");
    }
    event_kind k = EV_AUDITED;
    char *what = journal_check_record(rec, &k);
    if (what) {
        cJSON_Delete(rec);
        line_error(rd, err, line, 1, "%s", what);
        free(what);
        return -1;
    }
    return fold(rd, rec, k, line, err);
}

int journal_read_memory(const char *name, const char *text, size_t len, journal_runs *out,
                        char **err)
{
    memset(out, 0, sizeof(*out));
    *err = NULL;
    if (len > JOURNAL_MAX_SIZE) {
        *err = xasprintf("journal '%s' is larger than %zu bytes", name, JOURNAL_MAX_SIZE);
        return -1;
    }
    reader rd = {.name = name, .out = out};
    int rc = 0;
    size_t pos = 0, line = 0;
    while (pos < len && rc == 0) {
        line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        if (!nl) { /* a write cut short: the record never was */
            GROW(out->warnings, out->capwarnings, out->nwarnings + 1);
            out->warnings[out->nwarnings++] = xasprintf(
                "%s:%zu: incomplete last record ignored (a write cut short)", name, line);
            break;
        }
        size_t n = (size_t)(nl - start);
        pos += n + 1;
        rc = read_line(&rd, start, n, line, err);
    }
    for (size_t i = 0; i < out->count; i++) {
        if (rc == 0)
            finish_run(&out->items[i], &rd.aux[i]);
        free_aux(&rd.aux[i]);
    }
    free(rd.aux);
    free(rd.run_table);
    sb_free(&rd.line);
    if (rc < 0)
        journal_runs_free(out);
    return rc;
}

int journal_read(const char *path, journal_runs *out, char **err)
{
    memset(out, 0, sizeof(*out));
    *err = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return 0; /* no journal yet: nothing happened */
        *err = xasprintf("cannot read journal '%s': %s", path, strerror(e));
        return -1;
    }
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        *err = xasprintf("cannot read journal '%s': %s", path, strerror(e));
        return -1;
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > JOURNAL_MAX_SIZE) {
        close(fd);
        *err = xasprintf("journal '%s' is larger than %zu bytes", path, JOURNAL_MAX_SIZE);
        return -1;
    }
    char *data = NULL, *rerr = NULL;
    size_t len = 0;
    int rc = read_whole_stream(fd, path, JOURNAL_MAX_SIZE, &data, &len, &rerr);
    close(fd);
    if (rc < 0) {
        *err = xasprintf("cannot read journal: %s", rerr);
        free(rerr);
        return -1;
    }
    rc = journal_read_memory(path, data, len, out, err);
    free(data);
    return rc;
}

journal_run *journal_runs_find(journal_runs *runs, const char *run_id)
{
    for (size_t i = 0; runs && run_id && i < runs->count; i++)
        if (strcmp(runs->items[i].run, run_id) == 0)
            return &runs->items[i];
    return NULL;
}

void journal_runs_free(journal_runs *runs)
{
    if (!runs)
        return;
    for (size_t i = 0; i < runs->count; i++) {
        journal_run *r = &runs->items[i];
        free(r->run);
        cJSON_Delete(r->begin);
        for (size_t k = 0; k < r->nstatements; k++)
            cJSON_Delete(r->statements[k]);
        free(r->statements);
        cJSON_Delete(r->started);
        free(r->txns);
        cJSON_Delete(r->end);
        free(r->trail);
    }
    free(runs->items);
    for (size_t i = 0; i < runs->nwarnings; i++)
        free(runs->warnings[i]);
    free(runs->warnings);
    memset(runs, 0, sizeof(*runs));
}
