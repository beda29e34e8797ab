/*
 * test_lint.c: the three ways of running every check over a script (lint.h) give
 * the same findings: lint_check_script on a script read whole, lint_file reading
 * it as a stream, and lint_file_keeping (apply), which also keeps every statement
 * with its text, kind and raw statement count but frees its parse tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/lint.h"
#include "script/script.h"
#include "test_helpers.h"

/* Findings, suppression findings and a multi-statement line included. */
static const char script_text[] =
    "-- pgward-ignore transaction-control: run by psql\n"
    "COMMIT;\n"
    "SET search_path = app;\n"
    "CREATE TABLE t (id int);\n"
    "ALTER TABLE t ADD COLUMN c int NOT NULL;\n"
    "SELECT 1 \\; SELECT 2;\n"
    "SELECT 1 FORM x;\n"
    "-- pgward-ignore no-such-rule: typo\n"
    "ROLLBACK;\n";

static char *summary(const script *s)
{
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        sb_addf(&sb, "%d:%d %s %s|", f->line, f->column, rule_name(f->rule), f->message);
    }
    return sb_detach(&sb, NULL);
}

static void test_same_findings_every_way(void **state)
{
    (void)state;
    char *path = xasprintf("%s/t.sql", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(script_text, f);
    fclose(f);
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    script_options opt = script_options_default();

    script *whole = script_read_file(path, &opt);
    lint_check_script(&cfg, NULL, whole);
    finding_list_sort(&whole->findings);
    script *stream = lint_file(&cfg, NULL, path, &opt);
    finding_list_sort(&stream->findings);
    script *kept = lint_file_keeping(&cfg, NULL, path, &opt);
    finding_list_sort(&kept->findings);

    char *a = summary(whole), *b = summary(stream), *c = summary(kept);
    assert_true(whole->findings.count >= 3);
    assert_string_equal(a, b);
    assert_string_equal(a, c);

    /* the stream keeps no statement; keeping keeps them all, without their trees */
    assert_int_equal(stream->nstmts, 0);
    assert_int_equal(stream->nread, whole->nstmts);
    assert_int_equal(kept->nstmts, whole->nstmts);
    for (size_t i = 0; i < kept->nstmts; i++) {
        const statement *k = &kept->stmts[i], *w = &whole->stmts[i];
        assert_string_equal(k->text, w->text);
        assert_string_equal(k->kind, w->kind);
        assert_int_equal(k->line, w->line);
        assert_int_equal(k->parse.nstmts, w->parse.nstmts);
        assert_true((k->parse.error == NULL) == (w->parse.error == NULL));
        assert_null(k->parse.tree);
        assert_null(k->parse.stmts);
    }
    assert_int_equal(kept->stmts[4].parse.nstmts, 2); /* SELECT 1 \; SELECT 2 */
    assert_non_null(kept->stmts[5].parse.error);       /* FORM */

    free(a), free(b), free(c);
    script_free(whole), script_free(stream), script_free(kept);
    script_options_free(&opt);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_findings_every_way, tmpdir_setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
