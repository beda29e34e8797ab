/*
 * journal.c: pgward apply's append-only journal of runs (JSON Lines); see journal.h.
 *
 * Writing: journal_append() stamps the record, checks it with the same rules the
 * reader applies (a record the reader would refuse is never written: one bad line
 * would make the whole journal unreadable), prints it with cJSON on one line (cJSON
 * escapes control characters, so a record never contains a newline) and writes the
 * line and its '\n' with a single write(2) on an O_APPEND descriptor.
 *
 * Reading: the text is split at '\n'; every line is parsed by cJSON (from a
 * NUL-terminated copy, so cJSON never sees past the line), checked against the
 * table of events below and folded into its run. Runs are found through a small
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
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

#define RUN_ID_MAX 64
/* Integers in a record are read from doubles; 2^53 is where they stop being exact. */
#define MAX_EXACT_INT 9007199254740992.0

struct journal {
    int fd;
    char *path;
};

/* cJSON returns NULL when malloc fails; like the x* wrappers, give up at once. */
static void *cjson_need(void *p)
{
    if (!p) {
        fputs("pgward: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* ---- the record format ---- */

typedef enum event_kind {
    EV_BEGIN,
    EV_STATEMENT,
    EV_STATEMENT_START,
    EV_COMMIT_PENDING,
    EV_COMMIT,
    EV_ROLLBACK,
    EV_END,
    EV_AUDITED,
} event_kind;

typedef enum field_type {
    FT_STRING,
    FT_ID,     /* an integer from 0 to INT_MAX (seq, line, column, backend_pid) */
    FT_TXN,    /* a transaction number: an integer from 1 to INT_MAX */
    FT_TXN0,   /* a statement's transaction: 0 (none) or a transaction number */
    FT_COUNT,  /* a non-negative integer up to 2^53 (rows) */
    FT_NUMBER, /* a finite non-negative number (ms) */
    FT_OBJECT,
    FT_TIME,   /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
} field_type;

typedef struct field_spec {
    const char *name;
    field_type type;
    bool required;
    const char *const *values; /* FT_STRING: the allowed values (NULL-terminated), or NULL */
} field_spec;

#define REQ(n, t) {.name = (n), .type = (t), .required = true}
#define OPT(n, t) {.name = (n), .type = (t), .required = false}
#define END_FIELDS {.name = NULL}

static const char *const statement_statuses[] = {"ok", "failed", "cancelled", "in-doubt",
                                                 "skipped", NULL};
static const char *const end_statuses[] = {"committed", "failed", "cancelled", "dry-run", NULL};

static const field_spec common_fields[] = {OPT("time", FT_TIME), END_FIELDS};
static const field_spec begin_fields[] = {
    REQ("bundle", FT_STRING), REQ("policy", FT_STRING), REQ("role", FT_STRING),
    REQ("mode", FT_STRING),   OPT("target", FT_OBJECT), OPT("backend_pid", FT_ID),
    OPT("client", FT_STRING), END_FIELDS};
static const field_spec statement_fields[] = {
    REQ("seq", FT_ID),
    REQ("txn", FT_TXN0),
    REQ("file", FT_STRING),
    OPT("file_seq", FT_ID),
    OPT("line", FT_ID),
    OPT("col", FT_ID),
    REQ("sha256", FT_STRING),
    {.name = "status", .type = FT_STRING, .required = true, .values = statement_statuses},
    OPT("command_tag", FT_STRING),
    OPT("rows_affected", FT_COUNT),
    OPT("duration_ms", FT_NUMBER),
    OPT("sqlstate", FT_STRING),
    OPT("message", FT_STRING),
    END_FIELDS};
static const field_spec statement_start_fields[] = {
    REQ("seq", FT_ID),      REQ("txn", FT_TXN0),      REQ("file", FT_STRING),
    OPT("file_seq", FT_ID), OPT("line", FT_ID),       REQ("sha256", FT_STRING), END_FIELDS};
static const field_spec txn_fields[] = {REQ("txn", FT_TXN), END_FIELDS};
static const field_spec end_fields[] = {
    {.name = "status", .type = FT_STRING, .required = true, .values = end_statuses},
    OPT("message", FT_STRING), END_FIELDS};
static const field_spec no_fields[] = {END_FIELDS};

static const struct {
    const char *name;
    event_kind kind;
    const field_spec *fields;
} events[] = {
    {"begin", EV_BEGIN, begin_fields},
    {"statement", EV_STATEMENT, statement_fields},
    {"statement-start", EV_STATEMENT_START, statement_start_fields},
    {"commit-pending", EV_COMMIT_PENDING, txn_fields},
    {"commit", EV_COMMIT, txn_fields},
    {"rollback", EV_ROLLBACK, txn_fields},
    {"end", EV_END, end_fields},
    {"audited", EV_AUDITED, no_fields},
};

static bool is_int_in(const cJSON *v, double lo, double hi)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* the range check comes first: it keeps the cast defined (and rejects NaN) */
    return d >= lo && d <= hi && (double)(long long)d == d;
}

static bool is_time(const char *s)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
        if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i])
            return false;
    }
    return s[sizeof(pattern) - 1] == '\0';
}

/* A run id: a uuid in practice; 1 to RUN_ID_MAX printable ASCII characters, so it
   can be shown in messages as it is. */
static bool is_run_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= RUN_ID_MAX || s[n] <= 0x20 || s[n] >= 0x7f)
            return false;
    return n > 0;
}

/* s for a message: quoted, at most 40 bytes, anything unprintable shown as '?'. */
static char *quote_short(const char *s)
{
    strbuf sb = {0};
    sb_addc(&sb, '"');
    size_t i = 0;
    for (; s[i] && i < 40; i++)
        sb_addc(&sb, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
    if (s[i])
        sb_adds(&sb, "...");
    sb_addc(&sb, '"');
    return sb_detach(&sb, NULL);
}

/* NULL when field v (named f->name, maybe absent) is right, else a malloc'd message. */
static char *check_field(const char *event, const field_spec *f, const cJSON *v)
{
    if (!v || (!f->required && cJSON_IsNull(v))) /* null stands for absent */
        return f->required ? xasprintf("%s record without \"%s\"", event, f->name) : NULL;
    switch (f->type) {
    case FT_STRING:
        if (!cJSON_IsString(v) || !v->valuestring)
            return xasprintf("\"%s\" must be a string", f->name);
        if (f->values) {
            for (const char *const *p = f->values; *p; p++)
                if (strcmp(*p, v->valuestring) == 0)
                    return NULL;
            strbuf sb = {0};
            for (const char *const *p = f->values; *p; p++)
                sb_addf(&sb, "%s%s", p == f->values ? "" : ", ", *p);
            char *msg = xasprintf("\"%s\" of a %s record must be one of %s", f->name, event,
                                  sb.buf);
            sb_free(&sb);
            return msg;
        }
        return NULL;
    case FT_ID:
        return is_int_in(v, 0, INT_MAX)
                   ? NULL
                   : xasprintf("\"%s\" must be an integer from 0 to %d", f->name, INT_MAX);
    case FT_TXN:
        return is_int_in(v, 1, INT_MAX)
                   ? NULL
                   : xasprintf("\"%s\" must be an integer from 1 to %d", f->name, INT_MAX);
    case FT_TXN0:
        return is_int_in(v, 0, INT_MAX)
                   ? NULL
                   : xasprintf("\"%s\" must be an integer from 0 (no transaction) to %d",
                               f->name, INT_MAX);
    case FT_COUNT:
        return is_int_in(v, 0, MAX_EXACT_INT)
                   ? NULL
                   : xasprintf("\"%s\" must be a non-negative integer", f->name);
    case FT_NUMBER:
        return cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0
                   ? NULL
                   : xasprintf("\"%s\" must be a non-negative number", f->name);
    case FT_OBJECT:
        return cJSON_IsObject(v) ? NULL : xasprintf("\"%s\" must be an object", f->name);
    case FT_TIME:
        return cJSON_IsString(v) && v->valuestring && is_time(v->valuestring)
                   ? NULL
                   : xasprintf("\"%s\" must be a UTC time such as "
                               "\"2026-11-25T20:31:02.123Z\"",
                               f->name);
    }
    return xasprintf("\"%s\": unknown field type", f->name);
}

static char *check_fields(const char *event, const field_spec *fields, const cJSON *rec)
{
    for (const field_spec *f = fields; f->name; f++) {
        char *msg = check_field(event, f, cJSON_GetObjectItemCaseSensitive(rec, f->name));
        if (msg)
            return msg;
    }
    return NULL;
}

/*
 * Checks rec against the format. Returns NULL (and *kind) when it is a valid
 * record, else a malloc'd message saying what is wrong.
 */
static char *check_record(const cJSON *rec, event_kind *kind)
{
    if (!cJSON_IsObject(rec))
        return xstrdup("a record must be a JSON object");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "v");
    if (!v)
        return xstrdup("record without \"v\" (the format version)");
    if (!cJSON_IsNumber(v) || v->valuedouble != JOURNAL_FORMAT)
        return xasprintf("\"v\" must be %d (the only journal format)", JOURNAL_FORMAT);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(rec, "run");
    if (!run)
        return xstrdup("record without \"run\"");
    if (!cJSON_IsString(run) || !run->valuestring || !is_run_id(run->valuestring))
        return xasprintf("\"run\" must be 1 to %d printable ASCII characters, no spaces",
                         RUN_ID_MAX);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "event");
    if (!ev)
        return xstrdup("record without \"event\"");
    if (!cJSON_IsString(ev) || !ev->valuestring)
        return xstrdup("\"event\" must be a string");
    for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
        if (strcmp(events[i].name, ev->valuestring) != 0)
            continue;
        char *msg = check_fields(events[i].name, common_fields, rec);
        if (!msg)
            msg = check_fields(events[i].name, events[i].fields, rec);
        if (!msg && kind)
            *kind = events[i].kind;
        return msg;
    }
    char *q = quote_short(ev->valuestring);
    char *msg = xasprintf("unknown event %s", q);
    free(q);
    return msg;
}

static int field_int(const cJSON *rec, const char *name)
{
    /* only called on checked records, where the field is an integer in int's range */
    return (int)cJSON_GetObjectItemCaseSensitive(rec, name)->valuedouble;
}

/* ---- writing ---- */

static char *open_error(const char *path, int errnum)
{
    return xasprintf("cannot open journal '%s': %s", path, strerror(errnum));
}

/* Creates the missing folders above path (mode 0700). */
static int make_parents(const char *path, char **err)
{
    char *tmp = xstrdup(path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            *err = xasprintf("cannot open journal '%s': cannot create folder '%s': %s", path,
                             tmp, strerror(e));
            free(tmp);
            return -1;
        }
        *p = '/';
    }
    free(tmp);
    return 0;
}

/* Makes a new file's name durable: fsync its folder (best effort; some file
   systems cannot sync folders). */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = !slash ? xstrdup(".") : slash == path ? xstrdup("/")
                                                      : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* flock(2), retried on EINTR; a file system without locks just goes on unlocked. */
static void lock_journal(int fd, int op)
{
    while (flock(fd, op) != 0 && errno == EINTR) {
    }
}

/*
 * A crash in the middle of a write leaves a last line without its newline: a record
 * that never was (its fsync never returned). Before appending after it, the torn
 * bytes move to "<path>.torn" (kept, for whoever investigates) and the journal is cut
 * back to its last complete line, so every later record starts on a line of its
 * own. Under the journal's lock, so a line another process is writing right now is
 * never taken for a torn one.
 */
static int repair_torn_tail(int fd, const char *path, off_t size, char **err)
{
    if (size <= 0)
        return 0;
    int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (rfd < 0) {
        *err = open_error(path, errno);
        return -1;
    }
    int rc = 0;
    char last;
    if (pread(rfd, &last, 1, size - 1) == 1 && last != '\n') {
        /* find the start of the torn line, reading backwards in blocks */
        off_t start = 0;
        char buf[4096];
        for (off_t end = size; end > 0 && start == 0;) {
            off_t from = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
            ssize_t n = pread(rfd, buf, (size_t)(end - from), from);
            if (n <= 0)
                break;
            for (ssize_t i = n; i-- > 0;)
                if (buf[i] == '\n') {
                    start = from + i + 1;
                    break;
                }
            end = from;
        }
        size_t tlen = (size_t)(size - start);
        char *tail = xmalloc(tlen ? tlen : 1);
        char *side = xasprintf("%s.torn", path);
        int sfd = -1;
        bool ok = pread(rfd, tail, tlen, start) == (ssize_t)tlen &&
                  (sfd = open(side, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0 &&
                  write(sfd, tail, tlen) == (ssize_t)tlen && write(sfd, "\n", 1) == 1 &&
                  fsync(sfd) == 0 && ftruncate(fd, start) == 0 && fsync(fd) == 0;
        if (!ok) {
            *err = xasprintf("cannot set aside the torn last record of journal '%s' in '%s': %s",
                             path, side, strerror(errno));
            rc = -1;
        }
        if (sfd >= 0)
            close(sfd);
        free(side);
        free(tail);
    }
    close(rfd);
    return rc;
}

journal *journal_open(const char *path, char **err)
{
    *err = NULL;
    if (!path || !*path) {
        *err = open_error(path ? path : "", ENOENT);
        return NULL;
    }
    /* O_NONBLOCK: opening a FIFO must not hang; it is refused below */
    const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK;
    bool created = false;
    int fd = open(path, flags);
    if (fd < 0 && errno == ENOENT) {
        if (make_parents(path, err) < 0)
            return NULL;
        fd = open(path, flags | O_CREAT | O_EXCL, 0600);
        if (fd >= 0)
            created = true;
        else if (errno == EEXIST) /* another process created it first */
            fd = open(path, flags);
    }
    if (fd < 0) {
        *err = open_error(path, errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, O_APPEND) != 0) {
        int e = errno;
        close(fd);
        *err = open_error(path, e);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        *err = xasprintf("cannot open journal '%s': not a regular file", path);
        return NULL;
    }
    if (created)
        sync_parent(path);
    lock_journal(fd, LOCK_EX);
    /* the size again, under the lock: another writer may have just finished a line */
    int repaired = fstat(fd, &st) == 0 ? repair_torn_tail(fd, path, st.st_size, err)
                                       : (*err = open_error(path, errno), -1);
    lock_journal(fd, LOCK_UN);
    if (repaired < 0) {
        close(fd);
        return NULL;
    }
    journal *j = xcalloc(1, sizeof(*j));
    j->fd = fd;
    j->path = xstrdup(path);
    return j;
}

cJSON *journal_event(const char *run_id, const char *event)
{
    cJSON *o = cjson_need(cJSON_CreateObject());
    cjson_need(cJSON_AddNumberToObject(o, "v", JOURNAL_FORMAT));
    cjson_need(cJSON_AddStringToObject(o, "run", run_id ? run_id : ""));
    cjson_need(cJSON_AddStringToObject(o, "event", event ? event : ""));
    return o;
}

/* The current UTC time, "2026-11-25T20:31:02.123Z". */
static void utc_now(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ts.tv_nsec / 1000000));
}

static int write_line(journal *j, char *line, size_t total, bool sync, char **err);

/* Stamps, checks and prints one record as a line onto out; always frees record. */
static int format_record(journal *j, cJSON *record, strbuf *out, char **err)
{
    if (!cJSON_IsObject(record)) {
        cJSON_Delete(record);
        *err = xasprintf("cannot write to journal '%s': a record must be a JSON object",
                         j->path);
        return -1;
    }
    char stamp[64];
    utc_now(stamp, sizeof(stamp));
    cJSON_DeleteItemFromObjectCaseSensitive(record, "time");
    cjson_need(cJSON_AddStringToObject(record, "time", stamp));
    char *what = check_record(record, NULL);
    if (what) {
        cJSON_Delete(record);
        *err = xasprintf("cannot write to journal '%s': invalid record: %s", j->path, what);
        free(what);
        return -1;
    }
    char *text = cjson_need(cJSON_PrintUnformatted(record));
    cJSON_Delete(record);
    size_t n = strlen(text);
    if (n > JOURNAL_MAX_LINE || memchr(text, '\n', n)) {
        cJSON_free(text);
        *err = xasprintf("cannot write to journal '%s': the record is longer than %zu bytes",
                         j->path, JOURNAL_MAX_LINE);
        return -1;
    }
    sb_add(out, text, n);
    sb_addc(out, '\n');
    cJSON_free(text);
    return 0;
}

int journal_append(journal *j, cJSON *record, bool sync, char **err)
{
    return journal_append_many(j, &record, 1, sync, err);
}

int journal_append_many(journal *j, cJSON **records, size_t n, bool sync, char **err)
{
    *err = NULL;
    if (!j) {
        for (size_t i = 0; i < n; i++)
            cJSON_Delete(records[i]);
        *err = xstrdup("cannot write to the journal: it is not open");
        return -1;
    }
    strbuf lines = {0};
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = format_record(j, records[i], &lines, err);
        else
            cJSON_Delete(records[i]);
    }
    if (rc < 0) {
        sb_free(&lines);
        return -1; /* nothing written: a bad record never leaves a partial batch */
    }
    size_t len = 0;
    char *buf = sb_detach(&lines, &len);
    if (len == 0 && !sync) {
        free(buf);
        return 0;
    }
    /* the lock keeps journal_open() of another process from taking these lines,
       half written, for a torn one */
    lock_journal(j->fd, LOCK_EX);
    rc = write_line(j, buf, len, sync, err);
    lock_journal(j->fd, LOCK_UN);
    return rc;
}

/* Writes whole lines (total bytes, newlines included) and fsyncs when asked; frees line. */
static int write_line(journal *j, char *line, size_t total, bool sync, char **err)
{
    /* One write(2) is what makes the line atomic among O_APPEND writers; if the
       kernel takes less, the rest is still written (so the line is complete) but
       the record may now be split by another writer's line: that is reported. */
    size_t done = 0;
    bool pieces = false;
    while (done < total) {
        ssize_t w = write(j->fd, line + done, total - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            free(line);
            if (done)
                *err = xasprintf("cannot write to journal '%s': %s (after %zu of %zu bytes: "
                                 "its last line is torn)",
                                 j->path, strerror(e), done, total);
            else
                *err = xasprintf("cannot write to journal '%s': %s", j->path, strerror(e));
            return -1;
        }
        if ((size_t)w < total - done)
            pieces = true;
        done += (size_t)w;
    }
    free(line);
    if (sync) {
        int rc;
        while ((rc = fsync(j->fd)) != 0 && errno == EINTR) {
        }
        if (rc != 0) {
            *err = xasprintf("cannot sync journal '%s': %s", j->path, strerror(errno));
            return -1;
        }
    }
    if (pieces) {
        *err = xasprintf("cannot write to journal '%s': short write (the record went out in "
                         "pieces and may be split by another writer's record)",
                         j->path);
        return -1;
    }
    return 0;
}

const char *journal_path(const journal *j)
{
    return j ? j->path : NULL;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    close(j->fd);
    free(j->path);
    free(j);
}

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
        int seq = field_int(rec, "seq"), txn = field_int(rec, "txn");
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
            (slot){.seq = field_int(rec, "seq"), .line = line, .rec = rec};
        return 0;
    case EV_COMMIT_PENDING:
    case EV_COMMIT:
    case EV_ROLLBACK: {
        journal_txn_state st = k == EV_COMMIT_PENDING ? TXN_COMMIT_PENDING
                               : k == EV_COMMIT       ? TXN_COMMITTED
                                                      : TXN_ROLLED_BACK;
        txn_entry(r, a, field_int(rec, "txn"), st, &is_new)->state = st;
        cJSON_Delete(rec);
        return 0;
    }
    case EV_END:
        cJSON_Delete(r->end); /* the last end record wins */
        r->end = rec;
        return 0;
    case EV_AUDITED:
        r->audited = true;
        cJSON_Delete(rec);
        return 0;
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
    char *what = check_record(rec, &k);
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
    }
    free(runs->items);
    for (size_t i = 0; i < runs->nwarnings; i++)
        free(runs->warnings[i]);
    free(runs->warnings);
    memset(runs, 0, sizeof(*runs));
}
