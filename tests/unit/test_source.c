/*
 * test_source.c: offsets to 1-based lines and columns, line extraction, loading.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/source.h"

static void test_positions(void **state)
{
    (void)state;
    const char *t = "ab\nçd\r\n\nx";
    source *s = source_from_memory("m.sql", NULL, t, strlen(t));
    static const struct { size_t off; int line, col; } table[] = {
        {0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {5, 2, 2} /* after 2-byte ç */,
        {8, 3, 1}, {9, 4, 1}, {10, 4, 2}, {999, 4, 2} /* clamped */,
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        int line, col;
        source_position(s, table[i].off, &line, &col);
        assert_int_equal(line, table[i].line);
        assert_int_equal(col, table[i].col);
    }
    size_t len;
    const char *l = source_line(s, 4, &len);
    assert_int_equal(len, 3); /* "çd" without \r */
    assert_memory_equal(l, "çd", 3);
    source_free(s);
}

static void test_load_errors(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(source_load("/nonexistent/pgward/file.sql", &err));
    assert_non_null(strstr(err, "cannot read '/nonexistent/pgward/file.sql'"));
    free(err);
    err = NULL;
    assert_null(source_load("/", &err));
    assert_non_null(strstr(err, "is a directory"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
