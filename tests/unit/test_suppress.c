/*
 * test_suppress.c: `-- pgward-ignore` comments (suppress.c) on real findings
 * (lint_check_script with no policy: syntax-error, transaction-control, ...): what
 * remains and which findings the suppressions add about themselves. Also the small
 * escapers and the path globs the reporters and lint's path filters rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "rules/lint.h"
#include "report/report_formats.h"
#include "script/script.h"
#include "test_helpers.h"

static const struct {
    const char *sql;
    const char *want; /* "line:col rule" of every finding after suppression, sorted, ';'-joined */
} cases[] = {
    /* no suppression: the findings the cases below start from */
    {"COMMIT;\n", "1:1 transaction-control"},
    {"SELECT 1 FORM t;\n", "1:15 syntax-error"},
    /* a statement suppression with a reason removes the finding */
    {"-- pgward-ignore transaction-control: run by psql\nCOMMIT;\n", ""},
    {"  --pgward-ignore transaction-control:run by psql\nCOMMIT;\n", ""},
    /* ... of the next statement only */
    {"-- pgward-ignore transaction-control: one\nCOMMIT;\nCOMMIT;\n", "3:1 transaction-control"},
    /* ... and only the rules it names */
    {"-- pgward-ignore syntax-error: no\nCOMMIT;\n",
     "1:18 unused-suppression;2:1 transaction-control"},
    /* several ids; one unused */
    {"-- pgward-ignore syntax-error, transaction-control: both\nCOMMIT;\n",
     "1:18 unused-suppression"},
    /* no reason: does not apply */
    {"-- pgward-ignore transaction-control\nCOMMIT;\n",
     "1:1 suppression-without-reason;2:1 transaction-control"},
    {"-- pgward-ignore transaction-control:   \nCOMMIT;\n",
     "1:1 suppression-without-reason;2:1 transaction-control"},
    {"-- pgward-ignore transaction-control because\nCOMMIT;\n",
     "1:1 suppression-without-reason;2:1 transaction-control"},
    /* a typo never silences anything; the known ids still apply */
    {"-- pgward-ignore transaction-contrl: typo\nCOMMIT;\n",
     "1:18 unknown-rule;2:1 transaction-control"},
    {"-- pgward-ignore nope, transaction-control: mixed\nCOMMIT;\n", "1:18 unknown-rule"},
    {"-- pgward-ignore: no rule\nCOMMIT;\n", "1:1 unknown-rule;2:1 transaction-control"},
    {"-- pgward-ignore-file nope: x\nCOMMIT;\n", "1:23 unknown-rule;2:1 transaction-control"},
    /* a file suppression covers every finding of its file */
    {"-- pgward-ignore-file transaction-control: psql only\nCOMMIT;\nSELECT 1;\nROLLBACK;\n", ""},
    {"COMMIT;\n-- pgward-ignore-file transaction-control: anywhere in the file\n", ""},
    {"-- pgward-ignore-file syntax-error: x\nCOMMIT;\n",
     "1:23 unused-suppression;2:1 transaction-control"},
    /* a comment line inside a statement covers that statement */
    {"SELECT 1\n  -- pgward-ignore syntax-error: inside\n  FORM t;\n", ""},
    /* nothing after it */
    {"COMMIT;\n-- pgward-ignore transaction-control: late\n",
     "1:1 transaction-control;2:18 unused-suppression"},
    /* input-error and the suppression rules cannot be suppressed by a comment */
    {"-- pgward-ignore unknown-rule: no\n-- pgward-ignore nope: x\nSELECT 1;\n",
     "1:18 unused-suppression;2:18 unknown-rule"},
    /* look-alikes are not suppressions */
    {"-- pgward-ignored transaction-control: x\nCOMMIT;\n", "2:1 transaction-control"},
    {"SELECT '-- pgward-ignore transaction-control: x';\nCOMMIT;\n", "2:1 transaction-control"},
    {"-- see pgward-ignore transaction-control: x\nCOMMIT;\n", "2:1 transaction-control"},
    /* CRLF line ends */
    {"-- pgward-ignore transaction-control: crlf\r\nCOMMIT;\r\n", ""},
};

static char *lint_summary(const char *sql)
{
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_config cfg = {.policy = NULL, .pg_version = 15};
    lint_check_script(&cfg, NULL, s);
    finding_list_sort(&s->findings);
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < s->findings.count; i++) {
        const finding *f = &s->findings.items[i];
        sb_addf(&sb, "%s%d:%d %s", i ? ";" : "", f->line, f->column, rule_name(f->rule));
    }
    script_free(s);
    script_options_free(&opt);
    return sb_detach(&sb, NULL);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *got = lint_summary(cases[i].sql);
        if (strcmp(got, cases[i].want) != 0)
            print_error("case %zu:\n%s\n  want [%s]\n  got  [%s]\n", i, cases[i].sql,
                        cases[i].want, got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

/* A finding about a suppression covers the whole comment and says what is wrong. */
static void test_messages(void **state)
{
    (void)state;
    const char *sql = "-- pgward-ignore transaction-control\nCOMMIT;\n";
    script_options opt = script_options_default();
    script *s = script_read_memory("t.sql", sql, strlen(sql), &opt);
    lint_config cfg = {.pg_version = 15};
    lint_check_script(&cfg, NULL, s);
    finding_list_sort(&s->findings);
    assert_int_equal(s->findings.count, 2);
    const finding *f = &s->findings.items[0];
    assert_string_equal(rule_name(f->rule), "suppression-without-reason");
    assert_int_equal(f->severity, SEV_ERROR);
    assert_int_equal(f->end_line, 1);
    assert_int_equal(f->end_column, 37); /* the whole comment */
    assert_non_null(strstr(f->message, "without a reason"));
    script_free(s);
    script_options_free(&opt);
}

static void test_xml_escape(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool attr;
        const char *out;
    } rows[] = {
        {"plain", true, "plain"},
        {"a<b>&\"c'", true, "a&lt;b&gt;&amp;&quot;c&apos;"},
        {"a<b>&\"c'", false, "a&lt;b&gt;&amp;&quot;c&apos;"},
        {"l1\nl2\tx\r", true, "l1&#10;l2&#9;x&#13;"},
        {"l1\nl2\tx\r", false, "l1\nl2\tx&#13;"},
        {"bell\a", false, "bell\xEF\xBF\xBD"},           /* not allowed in XML 1.0 */
        {"caf\xC3\xA9 \xE2\x82\xAC", true, "caf\xC3\xA9 \xE2\x82\xAC"}, /* UTF-8 kept */
        {"bad\xC3(", true, "bad\xEF\xBF\xBD("},            /* invalid UTF-8 replaced */
        {"\xED\xA0\x80", true, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* a surrogate */
        {"", true, ""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        strbuf sb = {0};
        sb_adds(&sb, "");
        report_xml_escape(&sb, rows[i].in, rows[i].attr);
        assert_string_equal(sb.buf, rows[i].out);
        sb_free(&sb);
    }
}

static void test_github_escape(void **state)
{
    (void)state;
    strbuf sb = {0};
    report_github_escape(&sb, "a%b\r\nc:d,e", false);
    assert_string_equal(sb.buf, "a%25b%0D%0Ac:d,e");
    sb_truncate(&sb, 0);
    report_github_escape(&sb, "a%b\r\nc:d,e", true);
    assert_string_equal(sb.buf, "a%25b%0D%0Ac%3Ad%2Ce");
    sb_free(&sb);
}

static void test_globs(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *path;
        bool match;
    } rows[] = {
        {"*.sql", "a.sql", true},
        {"*.sql", "db/x/a.sql", true},          /* no '/': the file name */
        {"*.down.sql", "db/1.up.sql", false},
        {"legacy", "db/legacy/a.sql", true},     /* no '/': any folder name */
        {"db/*.sql", "db/a.sql", true},
        {"db/*.sql", "db/x/a.sql", false},       /* '*' stops at '/' */
        {"db/**", "db/x/y/a.sql", true},
        {"db/**/a.sql", "db/a.sql", true},
        {"db/**/a.sql", "db/x/y/a.sql", true},
        {"db/legacy", "db/legacy/x/a.sql", true}, /* a leading folder */
        {"db/legacy", "db/legacy2/a.sql", false},
        {"./db/*.sql", "./db/a.sql", true},
        {"db/?.sql", "db/a.sql", true},
        {"db/?.sql", "db/ab.sql", false},
        {"db/[0-9]*.sql", "db/7_x.sql", true},
        {"db/[!0-9]*.sql", "db/7_x.sql", false},
        {"db/[abc", "db/[abc", true},            /* a malformed class is literal */
        {"migrations/legacy/**", "migrations/legacy/v1/a.sql", true},
        {"migrations/legacy/**", "migrations/new/a.sql", false},
    };
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        bool got = cli_glob_match(rows[i].pattern, rows[i].path);
        if (got != rows[i].match)
            print_error("row %zu: %s ~ %s: want %d\n", i, rows[i].pattern, rows[i].path,
                        rows[i].match);
        assert_int_equal(got, rows[i].match);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_xml_escape),   cmocka_unit_test(test_github_escape),
        cmocka_unit_test(test_globs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
