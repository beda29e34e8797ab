/*
 * fuzz_journal.c: libFuzzer target for the journal reader (src/audit/journal_read.c).
 *
 * Feeds arbitrary bytes to journal_read_memory(). An invalid journal must give an
 * error of the form "fuzz.journal:LINE:COL: message" and an empty result; a valid
 * one must fold into well-formed runs (unique ids, statements in strictly rising
 * seq, records of the right events), and the records it kept, printed again one
 * per line, must read back to the same runs (what the reader accepts, cJSON prints
 * in a form the reader accepts).
 *
 * Then the same bytes as a journal on disk (journal.c's file handling): the first
 * byte picks what the path is (a regular file, a FIFO, a folder, a symlink to a
 * file) and a byte limit for the writes (RLIMIT_FSIZE, as a disk that fills up in
 * the middle of a line). journal_open must refuse anything but a regular file at
 * once (never hang on a FIFO), cut a torn last line back (keeping it in .torn), and
 * every append must leave the file whole lines: its old size when the write failed,
 * old size plus the line when it succeeded; what reads as a journal before the
 * appends reads with them after. Anything else aborts, so libFuzzer reports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/journal.h"
#include "base/util.h"

#define NAME "fuzz.journal"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_journal: invariant violated: %s\n%s\n", what, detail ? detail : "");
    abort();
}

static const char *event_of(const cJSON *rec)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "event");
    return cJSON_IsString(e) ? e->valuestring : "";
}

static double seq_of(const cJSON *rec)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "seq");
    if (!cJSON_IsNumber(s))
        fuzz_fail("a statement without a numeric seq", NULL);
    return s->valuedouble;
}

static void check_event(const cJSON *rec, const char *event)
{
    if (rec && strcmp(event_of(rec), event) != 0)
        fuzz_fail("a record kept in the wrong place", event);
}

static void check_runs(journal_runs *runs)
{
    if (runs->nwarnings > 1)
        fuzz_fail("more than one torn last line", NULL);
    if (runs->nwarnings && strncmp(runs->warnings[0], NAME ":", sizeof(NAME)) != 0)
        fuzz_fail("a warning without its name", runs->warnings[0]);
    int last_first_line = 0;
    for (size_t i = 0; i < runs->count; i++) {
        journal_run *r = &runs->items[i];
        if (!r->run || !*r->run || strlen(r->run) > 64)
            fuzz_fail("a run without a valid id", r->run);
        for (const char *c = r->run; *c; c++)
            if (*c <= ' ' || *c >= 0x7f)
                fuzz_fail("a run id that is not printable ASCII", r->run);
        if (journal_runs_find(runs, r->run) != r)
            fuzz_fail("two runs with the same id", r->run);
        if (r->first_line <= last_first_line)
            fuzz_fail("runs not in order of first appearance", r->run);
        last_first_line = r->first_line;
        check_event(r->begin, "begin");
        check_event(r->end, "end");
        check_event(r->started, "statement-start");
        for (size_t k = 0; k < r->nstatements; k++) {
            check_event(r->statements[k], "statement");
            if (k && seq_of(r->statements[k - 1]) >= seq_of(r->statements[k]))
                fuzz_fail("statements not in strictly rising seq", r->run);
        }
        for (size_t k = 0; k < r->ntxns; k++) {
            if (r->txns[k].txn < 1 || r->txns[k].state > TXN_ROLLED_BACK)
                fuzz_fail("a bad transaction", r->run);
            for (size_t m = 0; m < k; m++)
                if (r->txns[m].txn == r->txns[k].txn)
                    fuzz_fail("a transaction twice", r->run);
        }
    }
}

static void add_record(strbuf *sb, const cJSON *rec)
{
    if (!rec)
        return;
    char *line = cJSON_PrintUnformatted(rec);
    if (!line)
        abort();
    sb_adds(sb, line);
    sb_addc(sb, '\n');
    cJSON_free(line);
}

/* Prints the kept records again and reads them back: the same runs must result. */
static void check_reprint(journal_runs *runs)
{
    strbuf sb = {0};
    for (size_t i = 0; i < runs->count; i++) {
        journal_run *r = &runs->items[i];
        add_record(&sb, r->begin);
        for (size_t k = 0; k < r->nstatements; k++)
            add_record(&sb, r->statements[k]);
        add_record(&sb, r->end);
        add_record(&sb, r->started); /* last, so nothing answers it */
    }
    journal_runs again;
    char *err = NULL;
    if (journal_read_memory(NAME, sb.buf ? sb.buf : "", sb.len, &again, &err) < 0)
        fuzz_fail("kept records do not read back", err);
    size_t n = 0;
    for (size_t i = 0; i < runs->count; i++) {
        journal_run *r = &runs->items[i];
        if (!r->begin && !r->nstatements && !r->end && !r->started)
            continue; /* a run of txn/audited records only: nothing kept to print */
        journal_run *a = journal_runs_find(&again, r->run);
        if (!a || a->nstatements != r->nstatements || !a->begin != !r->begin ||
            !a->end != !r->end || !a->started != !r->started)
            fuzz_fail("kept records read back differently", r->run);
        n++;
    }
    if (n != again.count || again.nwarnings)
        fuzz_fail("kept records read back to other runs", sb.buf);
    journal_runs_free(&again);
    sb_free(&sb);
}

/* ---- the file on disk ---- */

static char *dir; /* one folder per process */

static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    fclose(f);
    return sb_detach(&sb, len);
}

static off_t size_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        fuzz_fail("the journal is gone", strerror(errno));
    return st.st_size;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fuzz_fail("cannot write the fuzz file", path);
}

/* Appends one small record with writes limited to `room` bytes past the current
   size (0: no limit); checks the file is whole lines either way. */
static void append_checked(journal *j, const char *path, int seq, size_t room)
{
    off_t before = size_of(path);
    struct rlimit old, lim;
    if (room) {
        getrlimit(RLIMIT_FSIZE, &old);
        lim = old;
        lim.rlim_cur = (rlim_t)before + room;
        setrlimit(RLIMIT_FSIZE, &lim);
    }
    cJSON *rec = journal_event("fuzz-run", "statement");
    cJSON_AddNumberToObject(rec, "seq", seq);
    cJSON_AddNumberToObject(rec, "txn", 1);
    cJSON_AddStringToObject(rec, "file", "a.sql");
    cJSON_AddStringToObject(rec, "sha256", "00");
    cJSON_AddStringToObject(rec, "status", "ok");
    char *err = NULL;
    int rc = journal_append(j, rec, false, &err);
    if (room)
        setrlimit(RLIMIT_FSIZE, &old);
    off_t after = size_of(path);
    if (rc < 0 && after != before)
        fuzz_fail("a failed append left bytes behind", err);
    if (rc == 0 && after <= before)
        fuzz_fail("an append that wrote nothing succeeded", NULL);
    size_t len;
    char *text = slurp(path, &len);
    if (len && text[len - 1] != '\n')
        fuzz_fail("the journal does not end with a whole line", err);
    free(text);
    free(err);
}

static void check_file(const uint8_t *data, size_t size, bool valid_prefix)
{
    if (!dir) {
        char tmpl[] = "/tmp/fuzz_journal.XXXXXX";
        if (!mkdtemp(tmpl))
            abort();
        dir = xstrdup(tmpl);
        signal(SIGXFSZ, SIG_IGN); /* a write past RLIMIT_FSIZE fails with EFBIG */
    }
    unsigned mode = size ? data[0] : 0;
    char *path = xasprintf("%s/journal.jsonl", dir), *torn = xasprintf("%s.torn", path);
    char *target = xasprintf("%s/target", dir);
    unlink(path);
    rmdir(path);
    unlink(torn);
    unlink(target);
    char *err = NULL;
    switch (mode % 8) {
    case 0: /* a FIFO nobody reads: refused, not waited on */
        if (mkfifo(path, 0600) != 0)
            abort();
        if (journal_open(path, &err))
            fuzz_fail("a FIFO opened as a journal", NULL);
        break;
    case 1: /* a folder */
        if (mkdir(path, 0700) != 0)
            abort();
        if (journal_open(path, &err))
            fuzz_fail("a folder opened as a journal", NULL);
        break;
    default: {
        if (mode % 8 == 2) { /* a symlink to a regular file: followed, as the user asked */
            write_file(target, data, size);
            if (symlink(target, path) != 0)
                abort();
        } else {
            write_file(path, data, size);
        }
        journal *j = journal_open(path, &err);
        if (!j)
            fuzz_fail("a regular file does not open as a journal", err);
        size_t len;
        char *text = slurp(path, &len);
        /* what stays is the input up to its last newline; the rest went to .torn */
        size_t whole = size;
        while (whole > 0 && data[whole - 1] != '\n')
            whole--;
        if (len != whole || (len && memcmp(text, data, len) != 0))
            fuzz_fail("opening changed more than the torn last line", NULL);
        free(text);
        /* appends with the disk filling up at a byte the input picks */
        size_t room = (mode >> 3) % 4 == 0 ? 0 : (size_t)(mode >> 3) * 7 % 200 + 1;
        append_checked(j, path, 1, room);
        append_checked(j, path, 2, 0);
        journal_close(j);
        journal_runs runs;
        if (valid_prefix) {
            if (journal_read(path, &runs, &err) < 0)
                fuzz_fail("a valid journal does not read after appends", err);
            if (runs.nwarnings)
                fuzz_fail("a torn line after appends", runs.warnings[0]);
            journal_runs_free(&runs);
        }
        break;
    }
    }
    free(err);
    unlink(path);
    rmdir(path);
    unlink(torn);
    unlink(target);
    free(path);
    free(torn);
    free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the file half first: its checks need to know whether the whole lines read */
    size_t whole = size;
    while (whole > 0 && data[whole - 1] != '\n')
        whole--;
    journal_runs pre;
    char *perr = NULL;
    bool valid_prefix = journal_read_memory(NAME, (const char *)data, whole, &pre, &perr) == 0;
    /* appended records name run "fuzz-run": a prefix that already began it with
       records the appends would contradict is still valid, so only a prefix
       without that run counts */
    if (valid_prefix && journal_runs_find(&pre, "fuzz-run"))
        valid_prefix = false;
    journal_runs_free(&pre);
    free(perr);
    check_file(data, size, valid_prefix);

    journal_runs runs;
    char *err = NULL;
    if (journal_read_memory(NAME, (const char *)data, size, &runs, &err) < 0) {
        int line = 0, col = 0;
        if (!err || sscanf(err, NAME ":%d:%d: ", &line, &col) != 2 || line < 1 || col < 1)
            fuzz_fail("error without file:line:col", err);
        if (runs.count || runs.items || runs.nwarnings)
            fuzz_fail("a result left behind an error", err);
        free(err);
        return 0;
    }
    if (err)
        fuzz_fail("an error message with success", err);
    check_runs(&runs);
    check_reprint(&runs);
    journal_runs_free(&runs);
    return 0;
}
