/*
 * test_options.c: option tables (cli/options.h): the "options:" lines --help
 * generates (short and long names, long only, a name too long for the column, help
 * over several lines) and what parsing stores or reports (a flag, a string, a
 * callback and its exit status, an unknown option, a missing value, --help).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"

/* ------------------------------------------------------------------ helpers */

/* What one parse stored. */
typedef struct parsed {
    bool verbose;
    const char *output;
    int count;
    int calls;
} parsed;

/* --count N: 1 to 9, else a usage error (2); 0 returns 7 to show it is passed on. */
static int opt_count(const char *cmd, const char *arg, void *dest)
{
    parsed *p = dest;
    p->calls++;
    if (strcmp(arg, "0") == 0)
        return 7;
    if (strlen(arg) != 1 || arg[0] < '1' || arg[0] > '9')
        return usage_error(cmd, "invalid --count '%s': expected 1 to 9", arg);
    p->count = arg[0] - '0';
    return -1;
}

static const cli_usage test_usage = {
    .cmd = "test",
    .text = "usage: pgward test [options] PATH...\n\n",
    .footer = "\nexit status: 0\n",
};

/* Output of fd (1 or 2) while parsing args; returns the parse's result. */
static int parse_capture(int fd, const char *const *args, parsed *p, int *argi, char **out,
                         char **argv_after)
{
    const cli_option options[] = {
        CLI_OPT_STRING('o', "output", "OUT", &p->output, "where to write"),
        CLI_OPT_BOOL(0, "verbose", &p->verbose, "say more"),
        CLI_OPT_CALLBACK('n', "count", "N", p, opt_count, "how many"),
        CLI_OPT_END(),
    };
    char *argv[16];
    int argc = 0;
    for (; args[argc]; argc++)
        argv[argc] = (char *)args[argc];
    argv[argc] = NULL;

    char path[] = "/tmp/pgward-test-options-XXXXXX";
    int tmp = mkstemp(path);
    assert_true(tmp >= 0);
    fflush(fd == 1 ? stdout : stderr);
    int saved = dup(fd);
    dup2(tmp, fd);
    int rc = cli_parse_options(&test_usage, options, argc, argv, argi);
    fflush(fd == 1 ? stdout : stderr);
    dup2(saved, fd);
    close(saved);

    size_t len = 0;
    char *err = NULL;
    assert_int_equal(read_whole_file(path, 1 << 20, out, &len, &err), 0);
    close(tmp);
    unlink(path);
    for (int i = 0; i < argc && argv_after; i++)
        argv_after[i] = argv[i];
    return rc;
}

/* ------------------------------------------------------------------ help */

static void test_help_layout(void **state)
{
    (void)state;
    bool b = false;
    const char *s = NULL;
    const cli_option options[] = {
        /* short and long, with a value */
        CLI_OPT_STRING('o', "output", "OUT", &s, "the folder to create"),
        /* long only, no value */
        CLI_OPT_BOOL(0, "dry-run", &b, "run, then roll back"),
        /* the longest that still fits: two spaces before the help */
        CLI_OPT_STRING(0, "statement-timeout", "T", &s, "statement_timeout"),
        /* one more character: the help goes on the next line */
        CLI_OPT_STRING(0, "statement-timeouts", "T", &s, "too long"),
        /* far too long, and help over several lines */
        CLI_OPT_BOOL(0, "allow-include-outside-root", &b,
                     "let \\i and \\ir read files\noutside the root\n(careful)"),
        CLI_OPT_STRING('j', "jobs", "N", &s, "read N files at a time (default: the\nprocessors)"),
        CLI_OPT_END(),
    };
    strbuf sb = {0};
    cli_options_help(&sb, options);
    assert_string_equal(sb.buf,
                        "options:\n"
                        "  -o, --output OUT           the folder to create\n"
                        "      --dry-run              run, then roll back\n"
                        "      --statement-timeout T  statement_timeout\n"
                        "      --statement-timeouts T\n"
                        "                             too long\n"
                        "      --allow-include-outside-root\n"
                        "                             let \\i and \\ir read files\n"
                        "                             outside the root\n"
                        "                             (careful)\n"
                        "  -j, --jobs N               read N files at a time (default: the\n"
                        "                             processors)\n"
                        "  -h, --help                 show this help\n");
    sb_free(&sb);

    /* an empty table: only --help */
    const cli_option none[] = {CLI_OPT_END()};
    cli_options_help(&sb, none);
    assert_string_equal(sb.buf, "options:\n"
                                "  -h, --help                 show this help\n");
    sb_free(&sb);
}

static void test_help_option(void **state)
{
    (void)state;
    parsed p = {0};
    int argi;
    char *out;
    const char *args[] = {"test", "--verbose", "--help", "--count", "x", NULL};
    assert_int_equal(parse_capture(1, args, &p, &argi, &out, NULL), EXIT_CLEAN);
    assert_string_equal(out, "usage: pgward test [options] PATH...\n"
                             "\n"
                             "options:\n"
                             "  -o, --output OUT           where to write\n"
                             "      --verbose              say more\n"
                             "  -n, --count N              how many\n"
                             "  -h, --help                 show this help\n"
                             "\n"
                             "exit status: 0\n");
    assert_true(p.verbose);
    assert_int_equal(p.calls, 0); /* nothing after --help is looked at */
    free(out);
}

/* ------------------------------------------------------------------ parse */

static void test_parse_stores(void **state)
{
    (void)state;
    parsed p = {0};
    int argi;
    char *out, *argv[16];
    const char *args[] = {"test", "a.sql", "--verbose", "-o", "out", "b.sql",
                          "--count=3", "--", "--c.sql", NULL};
    assert_int_equal(parse_capture(2, args, &p, &argi, &out, argv), -1);
    assert_string_equal(out, "");
    assert_true(p.verbose);
    assert_string_equal(p.output, "out");
    assert_int_equal(p.count, 3);
    /* the arguments come last, in order */
    assert_int_equal(argi, 6);
    assert_string_equal(argv[6], "a.sql");
    assert_string_equal(argv[7], "b.sql");
    assert_string_equal(argv[8], "--c.sql");
    free(out);

    /* a second parse in the same process starts afresh */
    parsed q = {0};
    const char *again[] = {"test", "-n4", "--output=x", "c.sql", NULL};
    assert_int_equal(parse_capture(2, again, &q, &argi, &out, argv), -1);
    assert_int_equal(q.count, 4);
    assert_string_equal(q.output, "x");
    assert_false(q.verbose);
    assert_int_equal(argi, 3);
    free(out);

    /* no argument at all */
    parsed r = {0};
    const char *bare[] = {"test", NULL};
    assert_int_equal(parse_capture(2, bare, &r, &argi, &out, NULL), -1);
    assert_int_equal(argi, 1);
    free(out);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[6];
        int rc;
        const char *err;
    } rows[] = {
        /* a callback's usage error, and a status it returns as it is */
        {{"test", "--count", "12", "--verbose"}, EXIT_USAGE,
         "pgward: invalid --count '12': expected 1 to 9\nsee 'pgward test --help'\n"},
        {{"test", "-n", "0"}, 7, ""},
        /* unknown options, long (without its value) and short */
        {{"test", "--frob", "x.sql"}, EXIT_USAGE,
         "pgward: unknown option '--frob'\nsee 'pgward test --help'\n"},
        {{"test", "--frob=1"}, EXIT_USAGE,
         "pgward: unknown option '--frob'\nsee 'pgward test --help'\n"},
        {{"test", "-x"}, EXIT_USAGE, "pgward: unknown option '-x'\nsee 'pgward test --help'\n"},
        /* a missing value */
        {{"test", "x.sql", "--output"}, EXIT_USAGE,
         "pgward: option '--output' needs a value\nsee 'pgward test --help'\n"},
        {{"test", "-n"}, EXIT_USAGE,
         "pgward: option '-n' needs a value\nsee 'pgward test --help'\n"},
        /* a value for a flag */
        {{"test", "--verbose=yes"}, EXIT_USAGE,
         "pgward: option '--verbose' takes no value\nsee 'pgward test --help'\n"},
        {{"test", "--help=yes"}, EXIT_USAGE,
         "pgward: option '--help' takes no value\nsee 'pgward test --help'\n"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        parsed p = {0};
        int argi;
        char *out;
        int rc = parse_capture(2, rows[i].args, &p, &argi, &out, NULL);
        if (rc != rows[i].rc || strcmp(out, rows[i].err) != 0)
            print_error("row %zu: rc %d, stderr: %s\n", i, rc, out);
        assert_int_equal(rc, rows[i].rc);
        assert_string_equal(out, rows[i].err);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_layout),
        cmocka_unit_test(test_help_option),
        cmocka_unit_test(test_parse_stores),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
