/*
 * test_chain.c: the audit trail's hash chain in C (src/audit/chain.c): the canonical
 * text (fields, lines, NULL against empty, lengths in bytes), the hashes against
 * vectors computed independently (Python's hashlib), and chain_check over trails
 * built in memory: an intact chain, a gap, an edited or deleted statement row, an
 * edited run, an unsealed finished run, and the journal's heads (a rewritten chain,
 * a chain cut at its end, runs of another trail).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/chain.h"
#include "base/util.h"

static char *text_of(strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

static void test_fields_and_lines(void **state)
{
    (void)state;
    strbuf sb = {0};
    chain_field(&sb, NULL);
    sb_addc(&sb, '|');
    chain_field(&sb, "");
    sb_addc(&sb, '|');
    chain_field(&sb, "a b");
    sb_addc(&sb, '|');
    chain_field(&sb, "\xc3\xa9"); /* é: two bytes */
    assert_string_equal(text_of(&sb), "-|0:|3:a b|2:\xc3\xa9");
    sb_truncate(&sb, 0);
    const char *v[] = {"1", NULL, "x y", ""};
    chain_line(&sb, "statement", v, 4);
    assert_string_equal(text_of(&sb), "statement 1:1 - 3:x y 0:\n");
    /* one field "a b" and two fields "a", "b" never read the same */
    strbuf one = {0}, two = {0};
    const char *f1[] = {"a b"}, *f2[] = {"a", "b"};
    chain_line(&one, "file", f1, 1);
    chain_line(&two, "file", f2, 2);
    assert_string_not_equal(text_of(&one), text_of(&two));
    sb_free(&one);
    sb_free(&two);
    sb_free(&sb);
}

static void test_hash_vectors(void **state)
{
    (void)state;
    /* hashlib.sha256(("pgward-audit-chain 1\nprev " + "0" * 64 + "\n" + body).encode()) */
    const char body[] = "run 1:1 36:00000000-0000-4000-8000-000000000001 - -\n"
                        "statement 1:1 2:ok\n";
    char h[65], h2[65];
    chain_run_hash(NULL, body, strlen(body), h);
    assert_string_equal(h, "dbd5728ca7979faddf8253c262f465c88d474f2cd49993c6748001076b4d59d8");
    chain_run_hash("", body, strlen(body), h2); /* empty prev: position 1 too */
    assert_string_equal(h, h2);
    chain_run_hash(h, body, strlen(body), h2); /* another predecessor, another hash */
    assert_string_not_equal(h, h2);
    const char *row[] = {"1", "ok"};
    chain_row_hash("statement", row, 2, h);
    assert_string_equal(h, "a5c102294098b7bd31e79afc7f0da8c5a0efcca7172d498c43d470d5749b8d45");
}

/* ------------------------------------------------------------------ chain_check */

/* A trail of n committed runs r1..rn, each with two statements and one file, sealed. */
static void build(chain_trail *t, int n)
{
    memset(t, 0, sizeof(*t));
    t->trail = xstrdup("trail-1");
    char prev[65] = "";
    for (int i = 0; i < n; i++) {
        GROW(t->runs, t->capruns, t->nruns + 1);
        chain_run *r = &t->runs[t->nruns++];
        memset(r, 0, sizeof(*r));
        r->id = xasprintf("r%d", i + 1);
        r->status = xstrdup("committed");
        r->role = xstrdup("codex_staging");
        r->started = xstrdup("2026-12-06T00:00:00.000000Z");
        r->pos = i + 1;
        r->sealed_statements = 2;
        r->sealed_files = 1;
        r->nstatements = 2;
        r->nfiles = 1;
        r->statements = xcalloc(2, sizeof(chain_row));
        r->files = xcalloc(1, sizeof(chain_row));
        strbuf body = {0};
        char pos[16];
        snprintf(pos, sizeof(pos), "%d", i + 1);
        const char *rv[] = {pos, r->id, "committed"};
        chain_line(&body, "run", rv, 3);
        for (int k = 0; k < 2; k++) {
            char seq[16];
            snprintf(seq, sizeof(seq), "%d", k + 1);
            const char *sv[] = {seq, "ok"};
            chain_line(&body, "statement", sv, 2);
            r->statements[k].key = xstrdup(seq);
            chain_row_hash("statement", sv, 2, r->statements[k].computed);
            memcpy(r->statements[k].stored, r->statements[k].computed, 65);
        }
        const char *fv[] = {"a.sql", "ff"};
        chain_line(&body, "file", fv, 2);
        r->files[0].key = xstrdup("a.sql");
        chain_row_hash("file", fv, 2, r->files[0].computed);
        memcpy(r->files[0].stored, r->files[0].computed, 65);
        r->body_len = body.len;
        r->body = sb_detach(&body, NULL);
        chain_run_hash(prev, r->body, r->body_len, r->stored);
        memcpy(prev, r->stored, 65);
    }
}

static bool has_problem(const chain_report *rep, const char *text)
{
    for (size_t i = 0; i < rep->nproblems; i++)
        if (strstr(rep->problems[i], text))
            return true;
    print_message("no problem with \"%s\" among %zu:\n", text, rep->nproblems);
    for (size_t i = 0; i < rep->nproblems; i++)
        print_message("  %s\n", rep->problems[i]);
    return false;
}

static void check(const chain_trail *t, const char *jtext, chain_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    if (!jtext) {
        chain_check(t, NULL, NULL, rep);
        return;
    }
    journal_runs runs;
    char *err = NULL;
    assert_int_equal(journal_read_memory("j", jtext, strlen(jtext), &runs, &err), 0);
    chain_check(t, &runs, "j", rep);
    journal_runs_free(&runs);
}

static void test_intact(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 3);
    chain_report rep;
    check(&t, NULL, &rep);
    assert_int_equal(rep.nproblems, 0);
    assert_int_equal(rep.head_pos, 3);
    assert_string_equal(rep.head_hash, t.runs[2].stored);
    chain_report_free(&rep);
    chain_trail_free(&t);
}

static void test_edited_statement(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 2);
    /* the row reads differently now: its line and the run's body changed */
    t.runs[0].statements[1].computed[0] ^= 1;
    t.runs[0].body[0] = 'R';
    chain_report rep;
    check(&t, NULL, &rep);
    assert_true(has_problem(&rep, "run r1: statement seq 2 was edited"));
    assert_int_equal(rep.nproblems, 1);
    chain_report_free(&rep);
    chain_trail_free(&t);
}

static void test_deleted_statement(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 1);
    chain_run *r = &t.runs[0];
    free(r->statements[0].key);
    r->statements[0] = r->statements[1];
    r->nstatements = 1;
    r->body[0] = 'R';
    chain_report rep;
    check(&t, NULL, &rep);
    assert_true(has_problem(&rep, "run r1: 1 statement row deleted (2 sealed, 1 now): seq 1"));
    chain_report_free(&rep);
    chain_trail_free(&t);
}

static void test_edited_run(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 2);
    t.runs[1].body[0] = 'R';
    chain_report rep;
    check(&t, NULL, &rep);
    assert_true(has_problem(&rep, "run r2 (chain position 2): its row in audit.runs, or its rows "
                                     "in audit.approvals or audit.locks, do not match"));
    chain_report_free(&rep);
    chain_trail_free(&t);
}

static void test_gap_and_unsealed(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 3);
    t.runs[1].pos = 0; /* r2 lost its place: a gap at 2, a finished run not sealed */
    chain_report rep;
    check(&t, NULL, &rep);
    assert_true(has_problem(&rep, "chain position 2 is missing (before run r3 at 3)"));
    assert_true(has_problem(&rep, "run r2 (committed, role codex_staging, started "
                                  "2026-12-06T00:00:00.000000Z) is finished but not in the "
                                  "hash chain"));
    assert_int_equal(rep.nproblems, 2); /* r3's link is not reported again */
    chain_report_free(&rep);
    /* a running run is not sealed yet: fine */
    free(t.runs[1].status);
    t.runs[1].status = xstrdup("running");
    t.runs[2].pos = 2;
    t.runs[2].body[0] = 'r';
    chain_run_hash(t.runs[0].stored, t.runs[2].body, t.runs[2].body_len, t.runs[2].stored);
    check(&t, NULL, &rep);
    assert_int_equal(rep.nproblems, 0);
    chain_report_free(&rep);
    chain_trail_free(&t);
}

static void test_unchained(void **state)
{
    (void)state;
    chain_trail t = {.unchained = true};
    chain_report rep;
    check(&t, NULL, &rep);
    assert_true(has_problem(&rep, "audit schema before version 3"));
    chain_report_free(&rep);
}

#define AUDITED(run, pos, trail)                                                          \
    "{\"v\":1,\"run\":\"" run "\",\"event\":\"audited\",\"chain_pos\":" #pos               \
    ",\"chain_hash\":\"%s\",\"trail\":\"" trail "\",\"time\":\"2026-12-06T00:00:00.000Z\"}\n"

static void test_journal_cross_check(void **state)
{
    (void)state;
    chain_trail t;
    build(&t, 2);
    char *j = xasprintf(AUDITED("r1", 1, "trail-1") AUDITED("r2", 2, "trail-1"),
                        t.runs[0].stored, t.runs[1].stored);
    chain_report rep;
    check(&t, j, &rep);
    assert_int_equal(rep.nproblems, 0);
    chain_report_free(&rep);
    /* the last run deleted: the chain alone holds, the journal does not */
    chain_trail_free(&t);
    build(&t, 1);
    check(&t, NULL, &rep);
    assert_int_equal(rep.nproblems, 0);
    chain_report_free(&rep);
    check(&t, j, &rep);
    assert_true(has_problem(&rep, "run r2: the journal (j:2) has it sealed at chain position 2, "
                                  "but audit.runs has no such run: it was deleted"));
    assert_true(has_problem(&rep, "the chain ends at position 1, behind the journal's 2 (run "
                                  "r2, j:2)"));
    chain_report_free(&rep);
    free(j);
    /* the chain recomputed after an edit: the journal's hash differs */
    char other[65];
    memset(other, 'a', 64);
    other[64] = '\0';
    j = xasprintf(AUDITED("r1", 1, "trail-1"), other);
    check(&t, j, &rep);
    assert_true(has_problem(&rep, "run r1: audit.runs has it at chain position 1 with hash"));
    chain_report_free(&rep);
    free(j);
    /* another trail's runs are not this database's */
    j = xasprintf(AUDITED("r9", 5, "trail-2"), other);
    check(&t, j, &rep);
    assert_int_equal(rep.nproblems, 0);
    chain_report_free(&rep);
    free(j);
    chain_trail_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_lines),   cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_intact),             cmocka_unit_test(test_edited_statement),
        cmocka_unit_test(test_deleted_statement),  cmocka_unit_test(test_edited_run),
        cmocka_unit_test(test_gap_and_unsealed),   cmocka_unit_test(test_unchained),
        cmocka_unit_test(test_journal_cross_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
