/*
 * test_journal.c: the journal of apply runs (src/audit/journal.c, journal_read.c):
 * every kind of bad line is refused at its line and column, records survive a round trip through a file,
 * runs fold to the right state (transactions, the statement in doubt, end,
 * audited), concurrent writers never split a line, a torn last line is a warning,
 * a write the disk cuts short is cut back to whole lines,
 * and 100k-line journals read in (near) linear time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit/journal.h"
#include "base/util.h"
#include "test_helpers.h"



static char *path_in(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

/* Building blocks of valid lines. */
#define T "\"time\":\"2026-11-25T20:31:02.123Z\""
#define BEGIN(run) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"begin\",\"bundle\":\"b\",\"policy\":\"p\"," \
    "\"role\":\"r\",\"mode\":\"apply\"," T "}\n"
#define STMT(run, seq, txn) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"statement\",\"seq\":" #seq ",\"txn\":" #txn \
    ",\"file\":\"a.sql\",\"sha256\":\"00\",\"status\":\"ok\"," T "}\n"
#define STMT_MSG(run, seq, msg) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"statement\",\"seq\":" #seq ",\"txn\":1" \
    ",\"file\":\"a.sql\",\"sha256\":\"00\",\"status\":\"ok\",\"message\":\"" msg "\"}\n"
#define START(run, seq) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"statement-start\",\"seq\":" #seq \
    ",\"txn\":0,\"file\":\"a.sql\",\"sha256\":\"00\"," T "}\n"
#define TXN(run, event, txn) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"" event "\",\"txn\":" #txn "," T "}\n"
#define END(run, status) \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"end\",\"status\":\"" status "\"," T "}\n"
#define AUDITED(run) "{\"v\":1,\"run\":\"" run "\",\"event\":\"audited\"," T "}\n"
/* A record of event with extra fields (a JSON fragment starting with ','). */
#define REC(event, fields) "{\"v\":1,\"run\":\"r1\",\"event\":\"" event "\"" fields "}\n"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define STMT_FIELDS ",\"txn\":1,\"file\":\"a.sql\",\"sha256\":\"00\",\"status\":\"ok\""

static void read_ok(const char *text, journal_runs *runs)
{
    char *err = NULL;
    int rc = journal_read_memory("t.journal", text, strlen(text), runs, &err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_null(err);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* ---- bad lines ---- */

static const struct {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *error;
} bad_lines[] = {
    {"\n", 0, "t.journal:1:1: empty line"},
    {BEGIN("r1") "  \t\n", 0, "t.journal:2:1: empty line"},
    {"{\"v\":1,\"run\":\"r1\",\"event\":\"begin\",,\"x\":1}\n", 0, "t.journal:1:36: not valid JSON"},
    {"{\"v\":1,\"run\":\"r1\",\"event\":tru}\n", 0, "t.journal:1:27: not valid JSON"},
    {"{\"v\":1,\"run\":\"r1\",\"event\":\"audited\"} x\n", 0,
     "t.journal:1:38: text after the record"},
    {"{\"v\":1}{\"v\":1}\n", 0, "t.journal:1:8: text after the record"},
    {"{\"v\":1,\"run\":\"r1\",\"event\":\"au\0dited\"}\n", 40, "t.journal:1:30: NUL byte"},
    {"[1,2]\n", 0, "t.journal:1:1: a record must be a JSON object"},
    {"\"begin\"\n", 0, "t.journal:1:1: a record must be a JSON object"},
    {"{\"run\":\"r1\",\"event\":\"audited\"}\n", 0, "t.journal:1:1: record without \"v\""},
    {"{\"v\":2,\"run\":\"r1\",\"event\":\"audited\"}\n", 0, "t.journal:1:1: \"v\" must be 1"},
    {"{\"v\":\"1\",\"run\":\"r1\",\"event\":\"audited\"}\n", 0, "1:1: \"v\" must be 1"},
    {"{\"V\":1,\"run\":\"r1\",\"event\":\"audited\"}\n", 0, "1:1: record without \"v\""},
    {"{\"v\":1,\"event\":\"audited\"}\n", 0, "t.journal:1:1: record without \"run\""},
    {"{\"v\":1,\"run\":\"\",\"event\":\"audited\"}\n", 0,
     "1:1: \"run\" must be 1 to 64 printable ASCII characters, no spaces"},
    {"{\"v\":1,\"run\":7,\"event\":\"audited\"}\n", 0,
     "1:1: \"run\" must be 1 to 64 printable"},
    {"{\"v\":1,\"run\":\"\\u0000x\",\"event\":\"audited\"}\n", 0, "1:1: \"run\" must be"},
    {"{\"v\":1,\"run\":\"a b\",\"event\":\"audited\"}\n", 0, "1:1: \"run\" must be"},
    {"{\"v\":1,\"run\":\"caf\xc3\xa9\",\"event\":\"audited\"}\n", 0, "1:1: \"run\" must be"},
    {"{\"v\":1,\"run\":\"01234567890123456789012345678901234567890123456789012345678901234\","
     "\"event\":\"audited\"}\n",
     0, "1:1: \"run\" must be 1 to 64 printable ASCII characters, no spaces"},
    {"{\"v\":1,\"run\":\"r1\"}\n", 0, "t.journal:1:1: record without \"event\""},
    {"{\"v\":1,\"run\":\"r1\",\"event\":[]}\n", 0, "1:1: \"event\" must be a string"},
    {REC("explode", ""), 0, "t.journal:1:1: unknown event \"explode\""},
    {REC("x\\u0007y", ""), 0, "t.journal:1:1: unknown event \"x?y\""},
    {REC("begin", ",\"policy\":\"p\",\"role\":\"r\",\"mode\":\"apply\""), 0,
     "t.journal:1:1: begin record without \"bundle\""},
    {REC("begin", ",\"bundle\":1,\"policy\":\"p\",\"role\":\"r\",\"mode\":\"apply\""), 0,
     "1:1: \"bundle\" must be a string"},
    {REC("begin", ",\"bundle\":\"b\",\"policy\":\"p\",\"role\":\"r\",\"mode\":\"apply\","
                  "\"target\":\"db\""),
     0, "1:1: \"target\" must be an object"},
    {REC("begin", ",\"bundle\":\"b\",\"policy\":\"p\",\"role\":\"r\",\"mode\":\"apply\","
                  "\"backend_pid\":-3"),
     0, "1:1: \"backend_pid\" must be an integer from 0 to 2147483647"},
    {BEGIN("r1") STMT("r1", 1, 1) BEGIN("r1"), 0,
     "t.journal:3:1: a second begin record for run r1 (the first is on line 1)"},
    {REC("statement", STMT_FIELDS), 0, "t.journal:1:1: statement record without \"seq\""},
    {REC("statement", ",\"seq\":-1" STMT_FIELDS), 0,
     "1:1: \"seq\" must be an integer from 0 to 2147483647"},
    {REC("statement", ",\"seq\":1.5" STMT_FIELDS), 0, "1:1: \"seq\" must be an integer"},
    {REC("statement", ",\"seq\":1e999" STMT_FIELDS), 0, "1:1: \"seq\" must be an integer"},
    {REC("statement", ",\"seq\":2147483648" STMT_FIELDS), 0, "1:1: \"seq\" must be an integer"},
    {REC("statement", ",\"seq\":\"1\"" STMT_FIELDS), 0, "1:1: \"seq\" must be an integer"},
    {REC("statement",
         ",\"seq\":1,\"txn\":\"1\",\"file\":\"a\",\"sha256\":\"0\",\"status\":\"ok\""),
     0, "1:1: \"txn\" must be an integer from 0 (no transaction) to 2147483647"},
    {REC("statement", ",\"seq\":1,\"txn\":1,\"sha256\":\"0\",\"status\":\"ok\""), 0,
     "1:1: statement record without \"file\""},
    {REC("statement", ",\"seq\":1,\"txn\":1,\"file\":\"a\",\"status\":\"ok\""), 0,
     "1:1: statement record without \"sha256\""},
    {REC("statement", ",\"seq\":1,\"txn\":1,\"file\":\"a\",\"sha256\":\"0\""), 0,
     "1:1: statement record without \"status\""},
    {REC("statement",
         ",\"seq\":1,\"txn\":1,\"file\":\"a\",\"sha256\":\"0\",\"status\":\"done\""),
     0,
     "1:1: \"status\" of a statement record must be one of ok, failed, cancelled, in-doubt, "
     "skipped"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"line\":\"3\""), 0,
     "1:1: \"line\" must be an integer from 0"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"col\":true"), 0,
     "1:1: \"col\" must be an integer"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"rows_affected\":-1"), 0,
     "1:1: \"rows_affected\" must be a non-negative integer"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"duration_ms\":\"fast\""), 0,
     "1:1: \"duration_ms\" must be a non-negative number"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"message\":{}"), 0,
     "1:1: \"message\" must be a string"},
    {REC("statement", ",\"seq\":1" STMT_FIELDS ",\"time\":\"yesterday\""), 0,
     "1:1: \"time\" must be a UTC time such as \"2026-11-25T20:31:02.123Z\""},
    {REC("statement-start", ",\"seq\":1,\"txn\":0,\"file\":\"a\""), 0,
     "1:1: statement-start record without \"sha256\""},
    {REC("commit-pending", ""), 0, "t.journal:1:1: commit-pending record without \"txn\""},
    {REC("commit", ",\"txn\":0"), 0, "1:1: \"txn\" must be an integer from 1 to 2147483647"},
    {REC("rollback", ",\"txn\":null"), 0,
     "1:1: \"txn\" must be an integer from 1 to 2147483647"},
    {REC("end", ",\"message\":\"m\""), 0, "t.journal:1:1: end record without \"status\""},
    {REC("end", ",\"status\":\"ok\""), 0,
     "1:1: \"status\" of a end record must be one of committed, failed, cancelled, dry-run"},
    /* the chain head of an audited record */
    {REC("audited", ",\"chain_pos\":-1"), 0, "1:1: \"chain_pos\" must be a non-negative integer"},
    {REC("audited", ",\"chain_hash\":\"ABCD\""), 0,
     "1:1: \"chain_hash\" must be 64 lowercase hex digits"},
    {REC("audited", ",\"chain_hash\":\"" HEX64 "0\""), 0,
     "1:1: \"chain_hash\" must be 64 lowercase hex digits"},
    {REC("audited", ",\"trail\":1"), 0, "1:1: \"trail\" must be a string"},
    /* a bad line before a torn one is still an error */
    {"x\n{\"v\":1", 0, "t.journal:1:1: not valid JSON"},
};

static void test_bad_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
        const char *text = bad_lines[i].text;
        size_t len = bad_lines[i].len ? bad_lines[i].len : strlen(text);
        journal_runs runs;
        char *err = NULL;
        int rc = journal_read_memory("t.journal", text, len, &runs, &err);
        if (rc != -1 || !err || !strstr(err, bad_lines[i].error)) {
            print_error("case %zu: %s\n  expected: %s\n  got: %s\n", i, text,
                        bad_lines[i].error, err ? err : "(no error)");
            fail();
        }
        /* the result is left empty, and freeing it again is harmless */
        assert_int_equal(runs.count, 0);
        assert_null(runs.items);
        assert_int_equal(runs.nwarnings, 0);
        journal_runs_free(&runs);
        free(err);
    }
}

/* The audited record's chain head is folded into its run (the last one wins). */
static void test_fold_chain_head(void **state)
{
    (void)state;
    const char text[] = BEGIN("r1") AUDITED("r1") BEGIN("r2") AUDITED("r2")
        REC("audited", ",\"chain_pos\":7,\"chain_hash\":\"" HEX64 "\",\"trail\":\"t1\"")
        REC("audited", ",\"chain_pos\":8,\"chain_hash\":\"" HEX64 "\",\"trail\":\"t2\"");
    journal_runs runs;
    char *err = NULL;
    assert_int_equal(journal_read_memory("t.journal", text, strlen(text), &runs, &err), 0);
    assert_int_equal(runs.count, 2);
    const journal_run *r1 = journal_runs_find(&runs, "r1");
    assert_true(r1->audited);
    assert_int_equal(r1->chain_pos, 8);
    assert_string_equal(r1->chain_hash, HEX64);
    assert_string_equal(r1->trail, "t2");
    assert_int_equal(r1->audited_line, 6);
    const journal_run *r2 = journal_runs_find(&runs, "r2");
    assert_true(r2->audited);
    assert_int_equal(r2->chain_pos, 0); /* audited without a head */
    assert_string_equal(r2->chain_hash, "");
    assert_null(r2->trail);
    journal_runs_free(&runs);
}

static void test_long_line(void **state)
{
    (void)state;
    strbuf sb = {0};
    sb_adds(&sb, BEGIN("r1"));
    sb_adds(&sb, "{\"v\":1,\"run\":\"r1\",\"event\":\"audited\",\"pad\":\"");
    while (sb.len < JOURNAL_MAX_LINE + 1000)
        sb_adds(&sb, "xxxxxxxxxxxxxxxx");
    sb_adds(&sb, "\"}\n");
    journal_runs runs;
    char *err = NULL;
    assert_int_equal(journal_read_memory("t.journal", sb.buf, sb.len, &runs, &err), -1);
    assert_string_equal(err, "t.journal:2:1: line longer than 1048576 bytes");
    free(err);
    sb_free(&sb);
}

/* ---- folding ---- */

static void test_empty(void **state)
{
    (void)state;
    journal_runs runs;
    read_ok("", &runs);
    assert_int_equal(runs.count, 0);
    assert_int_equal(runs.nwarnings, 0);
    journal_runs_free(&runs);

    char *missing = path_in("no/such/journal.jsonl"), *err = NULL;
    assert_int_equal(journal_read(missing, &runs, &err), 0);
    assert_null(err);
    assert_int_equal(runs.count, 0);
    journal_runs_free(&runs);
    free(missing);

    char *empty = path_in("empty.jsonl");
    FILE *f = fopen(empty, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(journal_read(empty, &runs, &err), 0);
    assert_int_equal(runs.count, 0);
    journal_runs_free(&runs);
    free(empty);

    assert_int_equal(journal_read(tmpdir, &runs, &err), -1); /* a folder */
    assert_non_null(strstr(err, "cannot read journal '"));
    assert_non_null(strstr(err, "Is a directory"));
    free(err);
}

static void test_fold_txns(void **state)
{
    (void)state;
    journal_runs runs;
    read_ok(BEGIN("r1") STMT("r1", 1, 1) STMT("r1", 2, 1) TXN("r1", "commit-pending", 1)
                BEGIN("r2") STMT("r1", 3, 2) STMT("r2", 1, 1) TXN("r2", "commit", 1)
                    STMT("r2", 2, 2) TXN("r2", "commit-pending", 2) TXN("r2", "rollback", 2)
                        TXN("r2", "commit-pending", 7) STMT("r2", 3, 0) STMT("r2", 4, 3),
            &runs);
    assert_int_equal(runs.count, 2);
    journal_run *r1 = &runs.items[0], *r2 = &runs.items[1];
    assert_string_equal(r1->run, "r1");
    assert_int_equal(r1->first_line, 1);
    assert_string_equal(r2->run, "r2");
    assert_int_equal(r2->first_line, 5);
    assert_ptr_equal(journal_runs_find(&runs, "r2"), r2);
    assert_null(journal_runs_find(&runs, "r3"));

    assert_non_null(r1->begin);
    assert_string_equal(jstr(r1->begin, "mode"), "apply");
    assert_int_equal(r1->nstatements, 3);
    assert_int_equal(r1->ntxns, 2);
    assert_int_equal(r1->txns[0].txn, 1);
    assert_int_equal(r1->txns[0].state, TXN_COMMIT_PENDING);
    assert_int_equal(r1->txns[1].txn, 2);
    assert_int_equal(r1->txns[1].state, TXN_OPEN);
    assert_null(r1->end);
    assert_null(r1->started);
    assert_false(r1->audited);

    /* txn 0 (outside a transaction) is no transaction; txns in order of mention */
    assert_int_equal(r2->nstatements, 4);
    assert_int_equal(r2->ntxns, 4);
    assert_int_equal(r2->txns[0].txn, 1);
    assert_int_equal(r2->txns[0].state, TXN_COMMITTED);
    assert_int_equal(r2->txns[1].txn, 2);
    assert_int_equal(r2->txns[1].state, TXN_ROLLED_BACK);
    assert_int_equal(r2->txns[2].txn, 7);
    assert_int_equal(r2->txns[2].state, TXN_COMMIT_PENDING);
    assert_int_equal(r2->txns[3].txn, 3);
    assert_int_equal(r2->txns[3].state, TXN_OPEN);
    journal_runs_free(&runs);
    journal_runs_free(&runs); /* a freed result is empty */
}

static void test_fold_statements_by_seq(void **state)
{
    (void)state;
    journal_runs runs;
    /* out of order, and seq 1 and 3 twice: the later record wins */
    read_ok(STMT("r", 3, 1) STMT("r", 1, 1) STMT("r", 2, 1) STMT_MSG("r", 1, "again")
                STMT("r", 5, 1) STMT("r", 4, 1) STMT_MSG("r", 3, "third"),
            &runs);
    assert_int_equal(runs.count, 1);
    journal_run *r = &runs.items[0];
    assert_int_equal(r->nstatements, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal((int)jnum(r->statements[i], "seq"), (int)i + 1);
    assert_string_equal(jstr(r->statements[0], "message"), "again");
    assert_null(jstr(r->statements[1], "message"));
    assert_string_equal(jstr(r->statements[2], "message"), "third");
    journal_runs_free(&runs);

    /* in order with a repeat of the last and of an earlier seq: stays sorted */
    read_ok(STMT("r", 1, 1) STMT("r", 2, 1) STMT("r", 2, 1) STMT("r", 1, 1) STMT("r", 3, 1),
            &runs);
    assert_int_equal(runs.items[0].nstatements, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal((int)jnum(runs.items[0].statements[i], "seq"), (int)i + 1);
    journal_runs_free(&runs);
}

static void test_fold_started(void **state)
{
    (void)state;
    journal_runs runs;
    /* a statement-start answered by its statement: nothing in doubt */
    read_ok(BEGIN("r") START("r", 1) STMT("r", 1, 0) END("r", "committed") AUDITED("r"), &runs);
    assert_null(runs.items[0].started);
    assert_non_null(runs.items[0].end);
    assert_string_equal(jstr(runs.items[0].end, "status"), "committed");
    assert_true(runs.items[0].audited);
    assert_int_equal(runs.items[0].ntxns, 0);
    journal_runs_free(&runs);

    /* a statement-start without its statement: in doubt */
    read_ok(BEGIN("r") START("r", 1) STMT("r", 1, 0) START("r", 2) END("r", "failed"), &runs);
    assert_non_null(runs.items[0].started);
    assert_int_equal((int)jnum(runs.items[0].started, "seq"), 2);
    assert_string_equal(jstr(runs.items[0].started, "event"), "statement-start");
    assert_false(runs.items[0].audited);
    journal_runs_free(&runs);

    /* start 3 is never answered; start 5 is: 3 is the one in doubt */
    read_ok(START("r", 3) START("r", 5) STMT("r", 5, 0), &runs);
    assert_int_equal((int)jnum(runs.items[0].started, "seq"), 3);
    journal_runs_free(&runs);

    /* a statement before its start does not answer it */
    read_ok(STMT("r", 4, 0) START("r", 4), &runs);
    assert_int_equal((int)jnum(runs.items[0].started, "seq"), 4);
    journal_runs_free(&runs);

    /* answered below the top of the stack (lazily, at the end) */
    read_ok(START("r", 1) START("r", 2) STMT("r", 1, 0) STMT("r", 2, 0), &runs);
    assert_null(runs.items[0].started);
    journal_runs_free(&runs);

    /* the last end record wins */
    read_ok(END("r", "failed") END("r", "cancelled"), &runs);
    assert_string_equal(jstr(runs.items[0].end, "status"), "cancelled");
    assert_null(runs.items[0].begin);
    journal_runs_free(&runs);
}

static void test_torn_last_line(void **state)
{
    (void)state;
    journal_runs runs;
    read_ok(BEGIN("r") STMT("r", 1, 1) "{\"v\":1,\"run\":\"r\",\"ev", &runs);
    assert_int_equal(runs.count, 1);
    assert_int_equal(runs.items[0].nstatements, 1);
    assert_int_equal(runs.nwarnings, 1);
    assert_string_equal(runs.warnings[0],
                        "t.journal:3: incomplete last record ignored (a write cut short)");
    journal_runs_free(&runs);

    /* even a complete record is not trusted without its newline */
    read_ok(BEGIN("r") "{\"v\":1,\"run\":\"r\",\"event\":\"audited\"}", &runs);
    assert_false(runs.items[0].audited);
    assert_int_equal(runs.nwarnings, 1);
    journal_runs_free(&runs);

    /* through a file */
    char *path = path_in("torn.jsonl"), *err = NULL;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(BEGIN("r") "{\"v\":1,\"ru", f);
    fclose(f);
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_int_equal(runs.count, 1);
    assert_int_equal(runs.nwarnings, 1);
    char *want = xasprintf("%s:2: incomplete last record ignored (a write cut short)", path);
    assert_string_equal(runs.warnings[0], want);
    free(want);
    journal_runs_free(&runs);

    /* appending again after the crash: the torn record is set aside in .torn */
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    assert_int_equal(journal_append(j, journal_event("r", "audited"), true, &err), 0);
    journal_close(j);
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_true(runs.items[0].audited);
    assert_int_equal(runs.nwarnings, 0);
    journal_runs_free(&runs);
    char *side = xasprintf("%s.torn", path), *kept = NULL;
    size_t klen = 0;
    assert_int_equal(read_whole_file(side, 1 << 20, &kept, &klen, &err), 0);
    assert_string_equal(kept, "{\"v\":1,\"ru\n");
    free(kept);
    unlink(side);
    free(side);
    free(path);
}

/* ---- writing ---- */

static bool is_utc_millis(const char *s)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (!s || strlen(s) != sizeof(pattern) - 1)
        return false;
    for (size_t i = 0; i < sizeof(pattern) - 1; i++)
        if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i])
            return false;
    return true;
}

static void append_ok(journal *j, cJSON *rec, bool sync)
{
    char *err = NULL;
    int rc = journal_append(j, rec, sync, &err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_null(err);
}

static cJSON *statement(const char *run, int seq, int txn, const char *status)
{
    cJSON *e = journal_event(run, "statement");
    cJSON_AddNumberToObject(e, "seq", seq);
    cJSON_AddNumberToObject(e, "txn", txn);
    cJSON_AddStringToObject(e, "file", "dir/a.sql");
    cJSON_AddNumberToObject(e, "line", 3);
    cJSON_AddStringToObject(e, "sha256",
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cJSON_AddStringToObject(e, "status", status);
    return e;
}

static cJSON *txn_event(const char *run, const char *event, int txn)
{
    cJSON *e = journal_event(run, event);
    cJSON_AddNumberToObject(e, "txn", txn);
    return e;
}

static size_t count_lines(const char *path)
{
    char *data, *err = NULL;
    size_t len, n = 0;
    assert_int_equal(read_whole_file(path, 1 << 26, &data, &len, &err), 0);
    for (size_t i = 0; i < len; i++)
        n += data[i] == '\n';
    assert_true(len == 0 || data[len - 1] == '\n');
    free(data);
    return n;
}

static void test_round_trip(void **state)
{
    (void)state;
    mode_t old_umask = umask(022);
    char *path = path_in("state/pgward/journal.jsonl"), *err = NULL;
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    assert_null(err);
    assert_string_equal(journal_path(j), path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    char *dir = path_in("state/pgward");
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    free(dir);

    /* run a: one transaction, COMMIT about to be sent when it stopped */
    cJSON *b = journal_event("a", "begin");
    cJSON_AddStringToObject(b, "bundle", "9f86d081884c7d659a2feaa0c55ad015");
    cJSON_AddStringToObject(b, "policy", "e9b07ca6");
    cJSON_AddStringToObject(b, "role", "codex_staging");
    cJSON_AddStringToObject(b, "mode", "apply");
    cJSON *target = cJSON_AddObjectToObject(b, "target");
    cJSON_AddStringToObject(target, "host", "db.internal");
    cJSON_AddNumberToObject(target, "port", 5432);
    cJSON_AddNumberToObject(b, "backend_pid", 4242);
    cJSON_AddStringToObject(b, "time", "1999-01-01T00:00:00.000Z"); /* replaced */
    append_ok(j, b, true);
    append_ok(j, statement("a", 1, 1, "ok"), false);
    cJSON *s2 = statement("a", 2, 1, "ok");
    cJSON_AddStringToObject(s2, "message",
                            "two\nlines, \"quoted\", caf\xc3\xa9 \xe2\x9c\x93\t");
    cJSON_AddNumberToObject(s2, "rows_affected", 123456789012.0);
    cJSON_AddNumberToObject(s2, "duration_ms", 1.25);
    cJSON_AddNullToObject(s2, "sqlstate");
    append_ok(j, s2, false);
    append_ok(j, txn_event("a", "commit-pending", 1), true);

    /* run b: a statement outside a transaction in doubt, then failed and audited */
    b = journal_event("b", "begin");
    cJSON_AddStringToObject(b, "bundle", "x");
    cJSON_AddStringToObject(b, "policy", "y");
    cJSON_AddStringToObject(b, "role", "z");
    cJSON_AddStringToObject(b, "mode", "apply");
    append_ok(j, b, true);
    cJSON *start = journal_event("b", "statement-start");
    cJSON_AddNumberToObject(start, "seq", 1);
    cJSON_AddNumberToObject(start, "txn", 0);
    cJSON_AddStringToObject(start, "file", "vacuum.sql");
    cJSON_AddStringToObject(start, "sha256", "00");
    append_ok(j, start, true);
    cJSON *end = journal_event("b", "end");
    cJSON_AddStringToObject(end, "status", "failed");
    cJSON_AddStringToObject(end, "message", "server closed the connection");
    append_ok(j, end, true);
    append_ok(j, journal_event("b", "audited"), true);

    /* run c: committed, rolled back, and a statement outside a transaction */
    append_ok(j, statement("c", 1, 1, "ok"), false);
    append_ok(j, txn_event("c", "commit", 1), true);
    append_ok(j, statement("c", 2, 2, "failed"), false);
    append_ok(j, txn_event("c", "rollback", 2), true);
    append_ok(j, statement("c", 3, 0, "ok"), true);
    journal_close(j);
    assert_int_equal(count_lines(path), 13);

    journal_runs runs;
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_null(err);
    assert_int_equal(runs.count, 3);
    assert_int_equal(runs.nwarnings, 0);

    journal_run *a = &runs.items[0];
    assert_string_equal(a->run, "a");
    assert_int_equal(a->first_line, 1);
    assert_non_null(a->begin);
    assert_true(is_utc_millis(jstr(a->begin, "time")));
    assert_string_not_equal(jstr(a->begin, "time"), "1999-01-01T00:00:00.000Z");
    assert_string_equal(jstr(a->begin, "role"), "codex_staging");
    assert_int_equal((int)jnum(a->begin, "backend_pid"), 4242);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(a->begin, "target");
    assert_string_equal(jstr(t, "host"), "db.internal");
    assert_int_equal(a->nstatements, 2);
    assert_string_equal(jstr(a->statements[1], "message"),
                        "two\nlines, \"quoted\", caf\xc3\xa9 \xe2\x9c\x93\t");
    assert_true(jnum(a->statements[1], "rows_affected") == 123456789012.0);
    assert_true(jnum(a->statements[1], "duration_ms") == 1.25);
    assert_int_equal(a->ntxns, 1);
    assert_int_equal(a->txns[0].txn, 1);
    assert_int_equal(a->txns[0].state, TXN_COMMIT_PENDING);
    assert_null(a->started);
    assert_null(a->end);
    assert_false(a->audited);

    journal_run *rb = &runs.items[1];
    assert_string_equal(rb->run, "b");
    assert_int_equal(rb->first_line, 5);
    assert_non_null(rb->started);
    assert_string_equal(jstr(rb->started, "file"), "vacuum.sql");
    assert_int_equal(rb->nstatements, 0);
    assert_int_equal(rb->ntxns, 0);
    assert_string_equal(jstr(rb->end, "status"), "failed");
    assert_true(rb->audited);

    journal_run *c = &runs.items[2];
    assert_null(c->begin);
    assert_int_equal(c->nstatements, 3);
    assert_int_equal(c->ntxns, 2);
    assert_int_equal(c->txns[0].state, TXN_COMMITTED);
    assert_int_equal(c->txns[1].state, TXN_ROLLED_BACK);
    assert_null(c->started);
    journal_runs_free(&runs);

    /* reopening appends; the mode stays */
    j = journal_open(path, &err);
    assert_non_null(j);
    append_ok(j, journal_event("c", "audited"), false);
    journal_close(j);
    assert_int_equal(count_lines(path), 14);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(path);
    umask(old_umask);
}

static void test_append_refuses(void **state)
{
    (void)state;
    char *path = path_in("refuse.jsonl"), *err = NULL;
    journal *j = journal_open(path, &err);
    assert_non_null(j);

    cJSON *s = journal_event("r", "statement");
    cJSON_AddNumberToObject(s, "seq", 1);
    assert_int_equal(journal_append(j, s, true, &err), -1);
    assert_non_null(strstr(err, "invalid record: statement record without \"txn\""));
    assert_non_null(strstr(err, path));
    free(err);

    assert_int_equal(journal_append(j, journal_event("", "audited"), true, &err), -1);
    assert_non_null(strstr(err, "\"run\" must be 1 to 64 printable ASCII characters"));
    free(err);

    assert_int_equal(journal_append(j, journal_event("r", "nonsense"), true, &err), -1);
    assert_non_null(strstr(err, "unknown event \"nonsense\""));
    free(err);

    assert_int_equal(journal_append(j, cJSON_CreateArray(), true, &err), -1);
    assert_non_null(strstr(err, "a record must be a JSON object"));
    free(err);

    assert_int_equal(journal_append(j, NULL, true, &err), -1);
    free(err);

    /* a record the reader would refuse for its length */
    cJSON *big = journal_event("r", "audited");
    char *pad = xmalloc(JOURNAL_MAX_LINE + 1);
    memset(pad, 'x', JOURNAL_MAX_LINE);
    pad[JOURNAL_MAX_LINE] = '\0';
    cJSON_AddStringToObject(big, "pad", pad);
    free(pad);
    assert_int_equal(journal_append(j, big, true, &err), -1);
    assert_non_null(strstr(err, "longer than 1048576 bytes"));
    free(err);

    journal_close(j);
    assert_int_equal(count_lines(path), 0); /* nothing was written */
    free(path);

    /* a folder where a parent should be */
    char *file = path_in("plainfile");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    char *under = path_in("plainfile/sub/journal.jsonl");
    assert_null(journal_open(under, &err));
    char *want = xasprintf("cannot open journal '%s': ", under);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "Not a directory"));
    free(want);
    free(err);
    free(under);
    free(file);

    assert_null(journal_open(tmpdir, &err)); /* a folder */
    assert_non_null(strstr(err, "cannot open journal"));
    free(err);
}

/* Two handles on the same file, appending in turn: every line stays whole. */
static void test_two_handles(void **state)
{
    (void)state;
    char *path = path_in("shared.jsonl"), *err = NULL;
    journal *j1 = journal_open(path, &err), *j2 = journal_open(path, &err);
    assert_non_null(j1);
    assert_non_null(j2);
    for (int i = 1; i <= 100; i++) {
        append_ok(j1, statement("one", i, 1, "ok"), i % 10 == 0);
        append_ok(j2, statement("two", i, i, "ok"), i % 7 == 0);
        append_ok(j2, txn_event("two", "commit", i), false);
    }
    journal_close(j1);
    journal_close(j2);
    journal_runs runs;
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_int_equal(runs.count, 2);
    assert_int_equal(runs.items[0].nstatements, 100);
    assert_int_equal(runs.items[1].nstatements, 100);
    assert_int_equal(runs.items[1].ntxns, 100);
    assert_int_equal(runs.items[1].txns[99].state, TXN_COMMITTED);
    journal_runs_free(&runs);
    free(path);
}

/*
 * A disk that fills up in the middle of a line (RLIMIT_FSIZE makes write(2) stop
 * at a byte the test picks, as ENOSPC does): the append fails, the journal is cut
 * back to whole lines at once, and once there is room again appends go on and the
 * whole file still reads.
 */
static void test_full_disk_cuts_back(void **state)
{
    (void)state;
    char *path = path_in("full.jsonl"), *err = NULL;
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    append_ok(j, statement("r", 1, 1, "ok"), true);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    off_t whole = st.st_size;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = (rlim_t)whole + 20; /* room for 20 bytes of the next line */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(journal_append(j, statement("r", 2, 1, "ok"), false, &err), -1);
    assert_non_null(strstr(err, "cannot write to journal"));
    assert_null(strstr(err, "torn"));
    free(err);
    err = NULL;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, whole);
    /* a batch that fails part way leaves none of its lines */
    cJSON *batch[3] = {statement("r", 3, 1, "ok"), statement("r", 4, 1, "ok"),
                       statement("r", 5, 1, "ok")};
    assert_int_equal(journal_append_many(j, batch, 3, false, &err), -1);
    free(err);
    err = NULL;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, whole);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_xfsz);
    append_ok(j, statement("r", 6, 1, "ok"), true);
    journal_close(j);
    journal_runs runs;
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_int_equal(runs.nwarnings, 0);
    assert_int_equal(runs.count, 1);
    assert_int_equal(runs.items[0].nstatements, 2);
    journal_runs_free(&runs);
    free(path);
}

/* Processes appending at the same time with long records: no line is split. */
static void test_concurrent_writers(void **state)
{
    (void)state;
    char *path = path_in("concurrent.jsonl"), *err = NULL;
    enum { WRITERS = 4, RECORDS = 300 };
    char *message = xmalloc(8001);
    memset(message, 'm', 8000);
    message[8000] = '\0';
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            char run[32];
            snprintf(run, sizeof(run), "writer-%d", w);
            journal *j = journal_open(path, &err);
            if (!j)
                _exit(2);
            for (int i = 0; i < RECORDS; i++) {
                cJSON *e = statement(run, i, 1, "ok");
                cJSON_AddStringToObject(e, "message", message);
                if (journal_append(j, e, i % 50 == 0, &err) < 0)
                    _exit(3);
            }
            journal_close(j);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    free(message);
    journal_runs runs;
    assert_int_equal(journal_read(path, &runs, &err), 0);
    assert_int_equal(runs.count, WRITERS);
    for (int w = 0; w < WRITERS; w++)
        assert_int_equal(runs.items[w].nstatements, RECORDS);
    journal_runs_free(&runs);
    free(path);
}

/* 100k-line journals: many runs, and many statements in reverse order. */
static void test_large(void **state)
{
    (void)state;
    enum { N = 100000 };
    strbuf sb = {0};
    for (int i = 0; i < N; i++)
        sb_addf(&sb,
                "{\"v\":1,\"run\":\"run-%d\",\"event\":\"begin\",\"bundle\":\"b\","
                "\"policy\":\"p\",\"role\":\"r\",\"mode\":\"apply\"}\n",
                i);
    clock_t t0 = clock();
    journal_runs runs;
    char *err = NULL;
    assert_int_equal(journal_read_memory("big", sb.buf, sb.len, &runs, &err), 0);
    assert_int_equal(runs.count, N);
    assert_ptr_equal(journal_runs_find(&runs, "run-99999"), &runs.items[N - 1]);
    journal_runs_free(&runs);
    sb_truncate(&sb, 0);

    for (int i = N; i > 0; i--)
        sb_addf(&sb,
                "{\"v\":1,\"run\":\"r\",\"event\":\"statement\",\"seq\":%d,\"txn\":%d,"
                "\"file\":\"f\",\"sha256\":\"0\",\"status\":\"ok\"}\n"
                "{\"v\":1,\"run\":\"r\",\"event\":\"commit\",\"txn\":%d}\n",
                i, i, i);
    assert_int_equal(journal_read_memory("big", sb.buf, sb.len, &runs, &err), 0);
    assert_int_equal(runs.count, 1);
    assert_int_equal(runs.items[0].nstatements, N);
    assert_int_equal(runs.items[0].ntxns, N);
    for (int i = 0; i < N; i++)
        assert_int_equal((int)jnum(runs.items[0].statements[i], "seq"), i + 1);
    assert_int_equal(runs.items[0].txns[0].txn, N);
    assert_int_equal(runs.items[0].txns[0].state, TXN_COMMITTED);
    journal_runs_free(&runs);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("300k records read in %.2f s\n", secs);
    assert_true(secs < 60);
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_fold_chain_head),
        cmocka_unit_test_setup_teardown(test_empty, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_fold_txns),
        cmocka_unit_test(test_fold_statements_by_seq),
        cmocka_unit_test(test_fold_started),
        cmocka_unit_test_setup_teardown(test_torn_last_line, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_append_refuses, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_two_handles, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_full_disk_cuts_back, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
