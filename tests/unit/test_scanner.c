/*
 * test_scanner.c: the boundary scanner on its own: the text->source map of the
 * query buffer and psql's meta-command argument rules (quotes, escapes, variables,
 * semicolon stripping, the \\ separator).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "script/script_scan.h"

static char *get_var(void *ctx, const char *name, var_quote q, size_t off, size_t len)
{
    (void)ctx, (void)q, (void)off, (void)len;
    return strcmp(name, "v") == 0 ? strdup("VAL") : NULL;
}
static bool is_def(void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "v") == 0;
}
static void rep(void *ctx, severity sev, size_t off, size_t len, const char *m)
{
    (void)sev, (void)off, (void)len, (void)m;
    (*(int *)ctx)++;
}
static const scan_callbacks cbs = {get_var, is_def, rep};

static void test_qbuf_spans(void **state)
{
    (void)state;
    query_buf qb = {0};
    qbuf_add(&qb, "SELECT ", 7, 0, 7, false);
    qbuf_add(&qb, "1", 1, 7, 1, false);       /* contiguous: merged */
    qbuf_add(&qb, "VAL", 3, 8, 2, true);      /* substitution: own span */
    assert_int_equal(qb.nspans, 2);
    assert_int_equal(qb.spans[0].len, 8);
    qbuf_truncate(&qb, 5);
    assert_int_equal(qb.nspans, 1);
    assert_int_equal(qb.spans[0].len, 5);
    assert_int_equal(qb.spans[0].src_len, 5);
    assert_string_equal(qb.text.buf, "SELEC");
    qbuf_free(&qb);
}

static const struct {
    const char *line;          /* text after the command name */
    const char *args[5];       /* expected OPT_NORMAL arguments */
    int problems;
} arg_cases[] = {
    {" a b  c\nSELECT", {"a", "b", "c"}, 0},
    {" 'a b' 'it''s' 'x\\ty\\101'", {"a b", "it's", "x\ty\101"}, 0},
    {" \"Quoted Id\" :v :'v' :{?v} :w", {"\"Quoted Id\"", "VAL", "VAL", "TRUE", ":w"}, 0},
    {" a\\\\ b", {"a"}, 0},
    {" 'unterminated\n", {0}, 1},
    {" pre'mid'post", {"premidpost"}, 0},
};

static void test_slash_args(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
        int problems = 0;
        const char *l = arg_cases[i].line;
        scan_state *sc = scan_create(l, strlen(l), &cbs, &problems);
        for (int a = 0;; a++) {
            char *arg = scan_slash_option(sc, OPT_NORMAL, NULL, false, NULL);
            if (a == 5 || !arg_cases[i].args[a]) {
                assert_null(arg);
                break;
            }
            assert_non_null(arg);
            assert_string_equal(arg, arg_cases[i].args[a]);
            free(arg);
        }
        assert_int_equal(problems, arg_cases[i].problems);
        scan_free(sc);
    }
}

static void test_strip_semicolons(void **state)
{
    (void)state;
    const char *l = " file.sql;; 'q;'";
    scan_state *sc = scan_create(l, strlen(l), &cbs, NULL);
    char *a = scan_slash_option(sc, OPT_NORMAL, NULL, true, NULL);
    assert_string_equal(a, "file.sql");
    free(a);
    a = scan_slash_option(sc, OPT_NORMAL, NULL, true, NULL);
    assert_string_equal(a, "q;"); /* quoted semicolons stay */
    free(a);
    scan_free(sc);
}

static void test_whole_line(void **state)
{
    (void)state;
    const char *l = "   echo a \\ b ;  \nSELECT 1;";
    scan_state *sc = scan_create(l, strlen(l), &cbs, NULL);
    char *a = scan_slash_option(sc, OPT_WHOLE_LINE, NULL, false, NULL);
    assert_string_equal(a, "echo a \\ b ;");
    free(a);
    query_buf qb = {0};
    assert_int_equal(scan_sql(sc, &qb), SCAN_SEMICOLON);
    assert_string_equal(qb.text.buf, "SELECT 1;");
    qbuf_free(&qb);
    scan_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qbuf_spans),
        cmocka_unit_test(test_slash_args),
        cmocka_unit_test(test_strip_semicolons),
        cmocka_unit_test(test_whole_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
