/*
 * test_sqlparse.c: libpg_query wrapper: kinds, COPY detection, error offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "parse/sqlparse.h"

static const struct {
    const char *sql;
    const char *kind;
    bool copy_stdin;
} kinds[] = {
    {"SELECT 1;", "SelectStmt", false},
    {"/* only a comment */", "Empty", false},
    {";", "Empty", false},
    {"SELECT 1; SELECT 2;", "SelectStmt+SelectStmt", false},
    {"COPY t FROM STDIN;", "CopyStmt", true},
    {"COPY t FROM '/etc/passwd';", "CopyStmt", false},
    {"COPY t FROM PROGRAM 'id';", "CopyStmt", false},
    {"COPY t TO STDOUT;", "CopyStmt", false},
    {"INSERT INTO t VALUES (1);", "InsertStmt", false},
    {"SELEC 1;", "Error", false},
};

static void test_kinds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        parsed_sql p = sql_parse(kinds[i].sql);
        char *k = sql_kind_string(&p);
        assert_string_equal(k, kinds[i].kind);
        assert_int_equal(sql_is_copy_from_stdin(&p), kinds[i].copy_stdin);
        free(k);
        parsed_sql_free(&p);
    }
}

static void test_error_offset_is_bytes(void **state)
{
    (void)state;
    /* 'é' is two bytes: the parser's character position must become byte 12 */
    parsed_sql p = sql_parse("SELECT 'é' FRM x;");
    assert_non_null(p.error);
    assert_string_equal(p.error, "syntax error at or near \"x\"");
    assert_int_equal(p.error_offset, 16);
    parsed_sql_free(&p);
}

/* Each raw statement's slice of the text, as psql sends several joined by \\; */
static void test_stmt_span(void **state)
{
    (void)state;
    const char *text = "SELECT 1; /* two */ SELECT 22";
    parsed_sql p = sql_parse(text);
    assert_int_equal(p.nstmts, 2);
    size_t off, len;
    sql_stmt_span(&p, strlen(text), 0, &off, &len);
    assert_int_equal(off, 0);
    assert_int_equal(len, 8);
    sql_stmt_span(&p, strlen(text), 1, &off, &len);
    assert_true(strncmp(text + off, " /* two */ SELECT 22", len) == 0 ||
                strncmp(text + off, "SELECT 22", len) == 0);
    assert_int_equal(off + len, strlen(text)); /* length 0 in the JSON: to the end */
    /* a text shorter than the tree says (never past its end) */
    sql_stmt_span(&p, 5, 1, &off, &len);
    assert_true(off <= 5 && off + len <= 5);
    parsed_sql_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_error_offset_is_bytes),
        cmocka_unit_test(test_stmt_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
