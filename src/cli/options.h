/*
 * options.h: declarative option tables, in the style of git's parse-options. A
 * command lists its options once, in a cli_option array; the same array builds the
 * getopt_long tables that parse argv and the "options:" lines of its --help, so
 * the help cannot list an option the parser does not take, nor the parser take one
 * the help does not list. Every entry says where its value goes: a bool or string
 * field, or a callback that checks the value and stores it.
 *
 *     bool verbose = false;
 *     const char *out = NULL;
 *     const cli_option options[] = {
 *         CLI_OPT_STRING('o', "output", "OUT", &out, "the file to write"),
 *         CLI_OPT_BOOL(0, "verbose", &verbose, "a line per statement"),
 *         CLI_OPT_END(),
 *     };
 *     int argi, rc = cli_parse_options(&usage, options, argc, argv, &argi);
 *
 * -h/--help is added to every table (its line comes last in the help). A help line
 * is "  -o, --output OUT" (or four spaces for no short name) padded so the help
 * starts at CLI_HELP_COLUMN, or on the next line at that column when fewer than two
 * spaces would be left; each further '\n'-separated line of help starts there too.
 */
#ifndef PGWARD_OPTIONS_H
#define PGWARD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/util.h"

/* The exit codes of every command (README: Exit codes). */
enum {
    EXIT_CLEAN = 0,    /* nothing at error level */
    EXIT_FINDINGS = 1, /* findings at error level, or a failure */
    EXIT_USAGE = 2,    /* usage, configuration or input error */
    EXIT_FAILED = 3,   /* apply: a statement, the server or the network failed */
};

/* Prints "pgward: <message>" and "see 'pgward <cmd> --help'" on stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

typedef enum cli_option_kind {
    CLI_OPTION_END,      /* ends a table */
    CLI_OPTION_FLAG,     /* no value: sets *(bool *)dest */
    CLI_OPTION_STRING,   /* a value: *(const char **)dest = the argument (not copied) */
    CLI_OPTION_CALLBACK, /* cb(cmd, arg, dest); arg is NULL for an option without a value */
} cli_option_kind;

/*
 * Checks and stores one option's value (arg: NULL when the option takes none).
 * Returns -1 to go on, or the exit status after reporting a usage error (usage_error()
 * names cmd in its "see 'pgward CMD --help'" line).
 */
typedef int (*cli_option_cb)(const char *cmd, const char *arg, void *dest);

typedef struct cli_option {
    cli_option_kind kind;
    char short_name;       /* 'o' for -o, or 0 */
    const char *long_name; /* "output" for --output (every option has one) */
    const char *argh;      /* the value's name in the help ("OUT"), or NULL: no value */
    const char *help;      /* one line, or several joined by '\n' */
    void *dest;            /* where the value goes (the callback's third argument; NULL
                              for a callback that stores nothing, e.g. one that refuses
                              an option listed for another form of the command) */
    cli_option_cb cb;      /* CLI_OPTION_CALLBACK */
} cli_option;

/* The entries; dest is type-checked (a mismatch is a compile error under -Werror). */
#define CLI_OPT_BOOL(s, l, d, h)                                                      \
    {CLI_OPTION_FLAG, (s), (l), NULL, (h), (1 ? (d) : (bool *)0), NULL}
#define CLI_OPT_STRING(s, l, a, d, h)                                                 \
    {CLI_OPTION_STRING, (s), (l), (a), (h), (1 ? (d) : (const char **)0), NULL}
#define CLI_OPT_CALLBACK(s, l, a, d, cb, h) {CLI_OPTION_CALLBACK, (s), (l), (a), (h), (d), (cb)}
#define CLI_OPT_END() {CLI_OPTION_END, 0, NULL, NULL, NULL, NULL, NULL}

/* What --help prints around the option lines, and the command name for messages. */
typedef struct cli_usage {
    const char *cmd;    /* "lint": "see 'pgward lint --help'" */
    const char *text;   /* the usage lines and description, ending with a blank line */
    const char *footer; /* after the option lines (the exit status), or NULL */
} cli_usage;

/* The column where an option's help starts in the --help lines. */
enum { CLI_HELP_COLUMN = 29 };

/*
 * Parses argv (argv[0] is the command name) with GNU getopt_long: options and
 * arguments in any order, "--" ends the options. Stores every option as its entry
 * says, in order; on -h/--help prints the help on stdout. Returns -1 to go on, with
 * *argi the index of the first argument that is not an option (argv is permuted so
 * that they all come last), or the exit status to return now: 0 after --help, 2
 * after a reported usage error (an unknown option, a missing value) or what a
 * callback returned. A malformed table (an entry with nowhere to store its value,
 * without help, or listed twice) is a bug in pgward: it aborts.
 */
int cli_parse_options(const cli_usage *u, const cli_option *opts, int argc, char **argv,
                      int *argi);

/*
 * `pgward completion` learns each command's options from the table the command
 * itself parses with: while a describe function is set, cli_parse_options() hands
 * it the usage and the table instead of parsing argv, and returns 0 as after
 * --help (so a command run this way does nothing else). NULL turns it off. The
 * table lives on the command's stack: fn must copy what it keeps (the strings in
 * it are static).
 */
typedef void (*cli_describe_fn)(const cli_usage *u, const cli_option *opts, void *ctx);
void cli_set_describe(cli_describe_fn fn, void *ctx);

/* Appends "options:\n" and one entry per option (then -h, --help) to sb. */
void cli_options_help(strbuf *sb, const cli_option *opts);

/* Prints the whole --help: u->text, the options, u->footer. */
void cli_print_help(FILE *out, const cli_usage *u, const cli_option *opts);

#endif
