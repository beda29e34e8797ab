/*
 * options.c: option tables (options.h): the getopt_long tables built from a
 * cli_option array, what each option stores, the "options:" lines of --help, and
 * the one way a usage error is reported.
 */
#include "cli/options.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "pgward: %s\n", msg);
    if (cmd)
        fprintf(stderr, "see 'pgward %s --help'\n", cmd);
    else
        fprintf(stderr, "see 'pgward --help'\n");
    free(msg);
    return EXIT_USAGE;
}

/* getopt_long returns OPT_BASE + i for the long name of entry i (above any char). */
enum { OPT_BASE = 256 };

static size_t count_options(const cli_option *opts)
{
    size_t n = 0;
    while (opts[n].kind != CLI_OPTION_END)
        n++;
    return n;
}

/* A malformed table is a bug in pgward, never the user's doing. */
static void bug(const cli_option *o, const char *what)
{
    fprintf(stderr, "pgward: BUG: option '--%s' %s\n", o->long_name ? o->long_name : "?", what);
    abort();
}

static void check_table(const cli_option *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cli_option *o = &opts[i];
        if (!o->long_name || !*o->long_name || strcmp(o->long_name, "help") == 0)
            bug(o, "needs a long name other than help");
        if (!o->help)
            bug(o, "has no help");
        if (o->short_name && (o->short_name == 'h' || !isalnum((unsigned char)o->short_name)))
            bug(o, "has an invalid short name");
        if (o->kind == CLI_OPTION_CALLBACK ? !o->cb : !o->dest)
            bug(o, "has nowhere to store its value");
        if ((o->kind == CLI_OPTION_FLAG && o->argh) || (o->kind == CLI_OPTION_STRING && !o->argh))
            bug(o, "does not match its kind");
        for (size_t k = 0; k < i; k++)
            if (strcmp(opts[k].long_name, o->long_name) == 0 ||
                (o->short_name && opts[k].short_name == o->short_name))
                bug(o, "is listed twice");
    }
}

/* ------------------------------------------------------------------ help */

static void add_spaces(strbuf *sb, size_t n)
{
    while (n--)
        sb_addc(sb, ' ');
}

/* "  -o, --output OUT           the bundle folder..." (see options.h). */
static void add_help_entry(strbuf *sb, char short_name, const char *long_name,
                           const char *argh, const char *help)
{
    size_t start = sb->len;
    if (short_name)
        sb_addf(sb, "  -%c, ", short_name);
    else
        sb_adds(sb, "      ");
    sb_addf(sb, "--%s", long_name);
    if (argh)
        sb_addf(sb, " %s", argh);
    size_t width = sb->len - start;
    /* at least two spaces between the option and its help, else the next line */
    if (width + 2 <= CLI_HELP_COLUMN) {
        add_spaces(sb, CLI_HELP_COLUMN - width);
    } else {
        sb_addc(sb, '\n');
        add_spaces(sb, CLI_HELP_COLUMN);
    }
    for (const char *line = help;;) {
        const char *nl = strchr(line, '\n');
        sb_add(sb, line, nl ? (size_t)(nl - line) : strlen(line));
        sb_addc(sb, '\n');
        if (!nl || !nl[1])
            break;
        line = nl + 1;
        if (*line != '\n')
            add_spaces(sb, CLI_HELP_COLUMN);
    }
}

void cli_options_help(strbuf *sb, const cli_option *opts)
{
    sb_adds(sb, "options:\n");
    for (size_t i = 0; opts[i].kind != CLI_OPTION_END; i++)
        add_help_entry(sb, opts[i].short_name, opts[i].long_name, opts[i].argh, opts[i].help);
    add_help_entry(sb, 'h', "help", NULL, "show this help");
}

void cli_print_help(FILE *out, const cli_usage *u, const cli_option *opts)
{
    strbuf sb = {0};
    sb_adds(&sb, u->text);
    cli_options_help(&sb, opts);
    if (u->footer)
        sb_adds(&sb, u->footer);
    fputs(sb.buf, out);
    sb_free(&sb);
}

/* ------------------------------------------------------------------ parse */

static cli_describe_fn describe_fn;
static void *describe_ctx;

void cli_set_describe(cli_describe_fn fn, void *ctx)
{
    describe_fn = fn;
    describe_ctx = ctx;
}

/* Stores the value of opts[i] as its entry says; returns -1 or an exit status. */
static int store(const char *cmd, const cli_option *o, const char *arg)
{
    switch (o->kind) {
    case CLI_OPTION_FLAG:
        *(bool *)o->dest = true;
        return -1;
    case CLI_OPTION_STRING:
        *(const char **)o->dest = arg;
        return -1;
    case CLI_OPTION_CALLBACK:
        return o->cb(cmd, o->argh ? arg : NULL, o->dest);
    case CLI_OPTION_END:
        break;
    }
    return -1;
}

/* The entry getopt_long returned c for (a short name or OPT_BASE + index). */
static const cli_option *find_option(const cli_option *opts, size_t n, int c)
{
    if (c >= OPT_BASE && (size_t)(c - OPT_BASE) < n)
        return &opts[c - OPT_BASE];
    for (size_t i = 0; i < n; i++)
        if (opts[i].short_name && opts[i].short_name == c)
            return &opts[i];
    return NULL;
}

/* Reports what getopt_long could not take: ':' a missing value, '?' the rest. */
static int report(const cli_usage *u, const cli_option *opts, size_t n, int c, char **argv)
{
    const cli_option *o = optopt > 0 ? find_option(opts, n, optopt) : NULL;
    if (c == ':') {
        if (optopt > 0 && optopt < OPT_BASE)
            return usage_error(u->cmd, "option '-%c' needs a value", optopt);
        if (o)
            return usage_error(u->cmd, "option '--%s' needs a value", o->long_name);
        return usage_error(u->cmd, "option '%s' needs a value", argv[optind - 1]);
    }
    const char *arg = argv[optind - 1];
    if (optopt == 'h' && strncmp(arg, "--", 2) == 0) /* --help=value */
        return usage_error(u->cmd, "option '--help' takes no value");
    if (optopt > 0 && optopt < OPT_BASE)
        return usage_error(u->cmd, "unknown option '-%c'", optopt);
    if (o) /* --flag=value */
        return usage_error(u->cmd, "option '--%s' takes no value", o->long_name);
    size_t len = strncmp(arg, "--", 2) == 0 ? strcspn(arg, "=") : strlen(arg);
    return usage_error(u->cmd, "unknown option '%.*s'", (int)len, arg);
}

int cli_parse_options(const cli_usage *u, const cli_option *opts, int argc, char **argv,
                      int *argi)
{
    size_t n = count_options(opts);
    check_table(opts, n);
    if (describe_fn) {
        describe_fn(u, opts, describe_ctx);
        *argi = argc;
        return EXIT_CLEAN;
    }
    struct option *longopts = xcalloc(n + 2, sizeof(*longopts));
    char *shortopts = xmalloc(2 * n + 3), *sp = shortopts;
    *sp++ = ':'; /* a missing value is ':', not '?' */
    for (size_t i = 0; i < n; i++) {
        longopts[i] = (struct option){opts[i].long_name,
                                      opts[i].argh ? required_argument : no_argument, NULL,
                                      OPT_BASE + (int)i};
        if (opts[i].short_name) {
            *sp++ = opts[i].short_name;
            if (opts[i].argh)
                *sp++ = ':';
        }
    }
    longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    *sp++ = 'h';
    *sp = '\0';

    int c, rc = -1;
    opterr = 0;
    optind = 0; /* 0, not 1: a full restart, even after a parse that stopped mid-way */
    while (rc < 0 && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_help(stdout, u, opts);
            rc = EXIT_CLEAN;
        } else if (c == ':' || c == '?') {
            rc = report(u, opts, n, c, argv);
        } else {
            const cli_option *o = find_option(opts, n, c);
            rc = o ? store(u->cmd, o, optarg) : usage_error(u->cmd, "unknown option '%s'",
                                                             argv[optind - 1]);
        }
    }
    *argi = optind;
    free(longopts);
    free(shortopts);
    return rc;
}
