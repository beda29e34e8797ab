/*
 * test_report.c: a script's bytes on the terminal (escaped, cut) and in JSON
 * (UTF-8 only), and the snippet's caret under the right column after a cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/finding.h"
#include "base/text.h"
#include "report/report.h"

static void test_text_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        bool keep_newlines;
        int max;
        const char *out;
    } cases[] = {
        {"plain", 5, false, 0, "plain"},
        {"a\tb", 3, false, 0, "a\tb"},
        {"\x1b[2Jx", 5, false, 0, "\\x1b[2Jx"},
        {"a\nb\r", 4, false, 0, "a\\x0ab\\x0d"},
        {"a\nb\r", 4, true, 0, "a\nb\\x0d"},
        {"\x7f\x01", 2, false, 0, "\\x7f\\x01"},
        {"caf\xc3\xa9", 5, false, 0, "caf\xc3\xa9"},             /* é kept */
        {"\xff\xfe", 2, false, 0, "\\xff\\xfe"},                 /* not UTF-8 */
        {"\xc3\x28", 2, false, 0, "\\xc3("},                     /* bad continuation */
        {"\xed\xa0\x80", 3, false, 0, "\\xed\\xa0\\x80"},        /* a surrogate */
        {"\xc0\xaf", 2, false, 0, "\\xc0\\xaf"},                 /* overlong '/' */
        {"\xc2\x9b" "2J", 4, false, 0, "\\u009b2J"},             /* C1 CSI */
        {"\xe2\x80\xae" "evil", 7, false, 0, "\\u202eevil"},     /* right-to-left override */
        {"\xe2\x81\xa6x", 4, false, 0, "\\u2066x"},              /* isolate */
        {"\xe2\x82\xac", 3, false, 0, "\xe2\x82\xac"},           /* € kept */
        {"\xf0\x9d\x84\x9e", 4, false, 0, "\xf0\x9d\x84\x9e"},   /* 4-byte kept */
        {"\xe2\x82", 2, false, 0, "\\xe2\\x82"},                 /* cut short at len */
        {"abcdefghij", 10, false, 8, "abcde..."},
        {"abcdefgh", 8, false, 8, "abcdefgh"},                   /* fits exactly */
        {"\x1b\x1b\x1b", 3, false, 8, "\\x1b..."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strbuf sb = {0};
        text_escape(&sb, cases[i].in, cases[i].len, cases[i].keep_newlines,
                           cases[i].max);
        if (strcmp(sb.buf, cases[i].out) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, sb.buf, cases[i].out);
        sb_free(&sb);
    }
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_len("a"), 1);
    assert_int_equal(text_utf8_len("\xc3\xa9"), 2);
    assert_int_equal(text_utf8_len("\xe2\x82\xac"), 3);
    assert_int_equal(text_utf8_len("\xf0\x9d\x84\x9e"), 4);
    assert_int_equal(text_utf8_len("\xff"), 0);
    assert_int_equal(text_utf8_len("\xc3"), 0);             /* then the NUL */
    assert_int_equal(text_utf8_len("\xf4\x90\x80\x80"), 0); /* past U+10FFFF */
    assert_int_equal(text_utf8_len("\xef\xbf\xbf"), 0);     /* U+FFFF */
}

/* What report_finding_text() prints for a finding at offset of text. */
static char *render(const char *text, size_t offset)
{
    source *src = source_from_memory("s.sql", NULL, text, strlen(text));
    finding_list list = {0};
    finding_add(&list, SEV_ERROR, RULE_SYNTAX_ERROR, src, NULL, offset, 0, "m");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    report_finding_text(out, &list.items[0], false);
    fclose(out);
    finding_list_free(&list);
    source_free(src);
    return buf;
}

/* The snippet's two lines: the shown text and the caret's column in it (counting
   characters), so the test can look at what the caret points at. */
static void snippet(const char *out, char *shown, size_t size, size_t *caret)
{
    const char *l1 = strstr(out, " | ");
    assert_non_null(l1);
    l1 += 3;
    const char *e1 = strchr(l1, '\n');
    assert_non_null(e1);
    const char *l2 = strstr(e1, "| ");
    assert_non_null(l2);
    l2 += 2;
    const char *hat = strchr(l2, '^');
    assert_non_null(hat);
    assert_true((size_t)(e1 - l1) < size);
    memcpy(shown, l1, (size_t)(e1 - l1));
    shown[e1 - l1] = '\0';
    *caret = (size_t)(hat - l2);
}

/* Byte offset in shown of its character number n (UTF-8). */
static size_t char_at(const char *shown, size_t n)
{
    size_t i = 0;
    for (; shown[i] && n > 0; n--) {
        i++;
        while (((unsigned char)shown[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static void test_snippet(void **state)
{
    (void)state;
    char shown[1024];
    size_t caret;
    /* short line: whole, caret under the 'X' after the escapes */
    char *out = render("SELECT '\x1b[1m', X;\n", 15);
    snippet(out, shown, sizeof(shown), &caret);
    assert_string_equal(shown, "SELECT '\\x1b[1m', X;");
    assert_int_equal(shown[char_at(shown, caret)], 'X');
    free(out);

    /* a long line cut on both sides; the caret on the marker after é characters */
    strbuf line = {0};
    for (int i = 0; i < 100; i++)
        sb_adds(&line, "\xc3\xa9 ");
    size_t at = line.len;
    sb_adds(&line, "MARK");
    for (int i = 0; i < 100; i++)
        sb_adds(&line, " \xc3\xa9");
    sb_adds(&line, "\n");
    out = render(line.buf, at);
    snippet(out, shown, sizeof(shown), &caret);
    assert_memory_equal(shown, "...", 3);
    assert_memory_equal(shown + strlen(shown) - 3, "...", 3);
    assert_memory_equal(shown + char_at(shown, caret), "MARK", 4);
    /* at most REPORT_SNIPPET_WIDTH characters */
    size_t chars = 0;
    for (const char *p = shown; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    assert_true(chars <= REPORT_SNIPPET_WIDTH);
    free(out);
    sb_free(&line);

    /* a 1 MB line: the output stays short */
    char *big = malloc((1 << 20) + 2);
    assert_non_null(big);
    memset(big, 'x', 1 << 20);
    big[1 << 20] = '\n';
    big[(1 << 20) + 1] = '\0';
    out = render(big, 500000);
    assert_true(strlen(out) < 400);
    snippet(out, shown, sizeof(shown), &caret);
    assert_int_equal(shown[char_at(shown, caret)], 'x');
    free(out);
    free(big);
}

static void test_json_utf8(void **state)
{
    (void)state;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "s", "a\xff" "b\xc3\xa9\xed\xa0\x80");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    report_print_json_doc(out, o, false);
    fclose(out);
    assert_string_equal(buf, "{\"s\":\"a\xef\xbf\xbd" "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_escape),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_snippet),
        cmocka_unit_test(test_json_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
