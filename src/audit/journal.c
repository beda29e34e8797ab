/*
 * journal.c: pgward apply's append-only journal of runs (JSON Lines); see journal.h.
 *
 * Writing: journal_append() stamps the record, checks it with the same rules the
 * reader applies (a record the reader would refuse is never written: one bad line
 * would make the whole journal unreadable), prints it with cJSON on one line (cJSON
 * escapes control characters, so a record never contains a newline) and writes the
 * line and its '\n' with a single write(2) on an O_APPEND descriptor. Reading
 * is journal_read.c.
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

#include "audit/journal_record.h"
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
    if (!p)
        die_out_of_memory();
    return p;
}

/* ---- the record format ---- */


typedef enum field_type {
    FT_STRING,
    FT_ID,     /* an integer from 0 to INT_MAX (seq, line, column, backend_pid) */
    FT_TXN,    /* a transaction number: an integer from 1 to INT_MAX */
    FT_TXN0,   /* a statement's transaction: 0 (none) or a transaction number */
    FT_COUNT,  /* a non-negative integer up to 2^53 (rows) */
    FT_NUMBER, /* a finite non-negative number (ms) */
    FT_OBJECT,
    FT_TIME,   /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
    FT_HASH,   /* a SHA-256 in 64 lowercase hex digits */
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
static const field_spec audited_fields[] = {
    OPT("chain_pos", FT_COUNT), OPT("chain_hash", FT_HASH), OPT("trail", FT_STRING), END_FIELDS};

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
    {"audited", EV_AUDITED, audited_fields},
};

static bool is_int_in(const cJSON *v, double lo, double hi)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* the range check comes first: it keeps the cast defined (and rejects NaN) */
    return d >= lo && d <= hi && (double)(long long)d == d;
}

static bool is_hash(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == 64;
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
    case FT_HASH:
        return cJSON_IsString(v) && v->valuestring && is_hash(v->valuestring)
                   ? NULL
                   : xasprintf("\"%s\" must be 64 lowercase hex digits", f->name);
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
char *journal_check_record(const cJSON *rec, event_kind *kind)
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

int journal_field_int(const cJSON *rec, const char *name)
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
    char *what = journal_check_record(record, NULL);
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
       half written, for a torn one, and keeps other writers out until a failed
       write is cut back */
    lock_journal(j->fd, LOCK_EX);
    rc = write_line(j, buf, len, sync, err);
    lock_journal(j->fd, LOCK_UN);
    return rc;
}

/* Writes whole lines (total bytes, newlines included) and fsyncs when asked; frees line. */
static int write_line(journal *j, char *line, size_t total, bool sync, char **err)
{
    /* Every writer holds the journal's lock (journal_append_many), so a write the
       kernel takes in pieces is finished without another line coming in between. */
    size_t done = 0;
    while (done < total) {
        ssize_t w = write(j->fd, line + done, total - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            free(line);
            /* under the lock nobody else appends: the file ends with the done bytes of
               these lines, so cutting them off leaves whole lines (found only now,
               so a write that succeeds costs no extra system call) */
            struct stat st;
            bool cut = done == 0 || (fstat(j->fd, &st) == 0 && (off_t)done <= st.st_size &&
                                     ftruncate(j->fd, st.st_size - (off_t)done) == 0);
            if (cut)
                *err = xasprintf("cannot write to journal '%s': %s", j->path, strerror(e));
            else
                *err = xasprintf("cannot write to journal '%s': %s (after %zu of %zu bytes, "
                                 "and the torn line could not be cut back: %s)",
                                 j->path, strerror(e), done, total, strerror(errno));
            return -1;
        }
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

