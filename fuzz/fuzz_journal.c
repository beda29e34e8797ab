/*
 * fuzz_journal.c: libFuzzer target for the journal reader (src/audit/journal_read.c).
 *
 * Feeds arbitrary bytes to journal_read_memory(). An invalid journal must give an
 * error of the form "fuzz.journal:LINE:COL: message" and an empty result; a valid
 * one must fold into well-formed runs (unique ids, statements in strictly rising
 * seq, records of the right events), and the records it kept, printed again one
 * per line, must read back to the same runs (what the reader accepts, cJSON prints
 * in a form the reader accepts). Anything else aborts, so libFuzzer reports it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
