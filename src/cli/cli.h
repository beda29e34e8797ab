/*
 * cli.h: what the subcommands share: the command table entry type, the exit
 * codes, the options that say how scripts are read (-v, --root, ...), and the
 * walk that turns PATH arguments into a sorted list of script files.
 *
 * Only the CLI layer (main.c and cmd_*.c) prints usage and decides exit codes.
 */
#ifndef PGWARD_CLI_H
#define PGWARD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "conn/conn.h"
#include "script/script.h"

enum {
    EXIT_CLEAN = 0,    /* nothing at error level */
    EXIT_FINDINGS = 1, /* findings at error level, or a failure */
    EXIT_USAGE = 2,    /* usage, configuration or input error */
    EXIT_FAILED = 3,   /* apply: a statement, the server or the network failed */
};

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} command;

/* The sorted command table (main.c). */
extern const command pgward_commands[];
extern const size_t pgward_ncommands;

/* Prints "pgward: <message>" and "see 'pgward <cmd> --help'" on stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Help text for the options every script-reading command takes. */
#define CLI_READ_OPTIONS_HELP                                                         \
    "      --format FORMAT        text (default) or json\n" CLI_READ_COMMON_HELP

/* The same without --format (lint documents its own formats: CLI_LINT_OPTIONS_HELP). */
#define CLI_READ_COMMON_HELP                                                          \
    "  -v, --set NAME=VALUE       set a psql variable (as psql -v)\n"                 \
    "      --root DIR             includes must stay inside DIR (default: the\n"      \
    "                             folder of each script given)\n"                     \
    "      --allow-include-outside-root\n"                                            \
    "                             let \\i and \\ir read files outside the root\n"        \
    "  -j, --jobs N               read N files at a time (default: the processors,\n"  \
    "                             at most 8); output order does not change\n"          \
    "  -h, --help                 show this help\n"

/* Help text for the options only lint takes (CLI_WITH_LINT). */
#define CLI_LINT_OPTIONS_HELP                                                         \
    "      --format FORMAT        text (default), json, sarif (SARIF 2.1.0), github\n"  \
    "                             (workflow annotations), gitlab (Code Quality) or\n"  \
    "                             junit (JUnit XML)\n"                                 \
    "      --pg-version N         the PostgreSQL major version the scripts target\n"   \
    "                             (10 to 17; default 15)\n"                            \
    "      --include GLOB         lint only files matching GLOB (repeatable)\n"        \
    "      --exclude GLOB         skip files matching GLOB (repeatable; adds to the\n" \
    "                             policy's exclude patterns)\n"                      \
    "      --error-on-warnings    exit 1 when any warning is reported, too\n"          \
    "      --changed              lint the *.sql files git reports changed (against\n" \
    "                             HEAD, plus untracked files) instead of PATHs\n"      \
    "      --since REF            with --changed: changed since REF (a commit,\n"      \
    "                             branch or tag) instead of HEAD\n"

/* Output formats (lint takes them all; parse and bundle only text and json). */
typedef enum cli_format {
    CLI_FORMAT_TEXT,
    CLI_FORMAT_JSON,
    CLI_FORMAT_SARIF,
    CLI_FORMAT_GITHUB,
    CLI_FORMAT_GITLAB,
    CLI_FORMAT_JUNIT,
} cli_format;

/* A list of script paths to read, in order. */
typedef struct path_list {
    char **paths;
    bool *given;      /* whether paths[i] was a PATH argument (not found by a walk) */
    size_t count, cap, capgiven;
} path_list;

/* What a script-reading command (lint, parse) was asked to do. */
typedef struct cli_read_opts {
    script_options script;
    int jobs;
    bool json;
    path_list paths;
    const char *policy_path; /* --policy (CLI_WITH_POLICY) */
    const char *role;        /* --role (CLI_WITH_POLICY) */
    const char *output;      /* -o/--output (CLI_WITH_BUNDLE) */
    const char *sign_key;    /* --sign (CLI_WITH_BUNDLE) */
    cli_format format;       /* --format (json is also set for CLI_FORMAT_JSON) */
    int pg_version;          /* --pg-version (CLI_WITH_LINT; default 15) */
    const char **includes;   /* --include GLOB, in order (CLI_WITH_LINT) */
    size_t nincludes;
    const char **excludes;   /* --exclude GLOB */
    size_t nexcludes;
    bool error_on_warnings;  /* --error-on-warnings */
    bool changed;            /* --changed: paths come from git */
    const char *since;       /* --since REF */
} cli_read_opts;

/* Help text for --policy and --role (commands that take CLI_WITH_POLICY). */
#define CLI_POLICY_OPTIONS_HELP                                                       \
    "      --policy FILE          check every statement against this policy (default:\n" \
    "                             pgward.policy in this folder or the nearest above)\n"  \
    "      --role ROLE            the role the scripts will run as (default: the\n"    \
    "                             policy's default role)\n"
enum { CLI_WITH_POLICY = 1, CLI_WITH_BUNDLE = 2, CLI_WITH_LINT = 4 };

/*
 * Parses the options and PATH arguments of a script-reading command (argv[0] is
 * the command name). Returns -1 when the command should go on, or the exit status
 * to return now (after --help, or a usage error it has reported). ro must be freed
 * with cli_read_opts_free() either way.
 */
int cli_parse_read_command(const char *cmd, const char *usage, unsigned flags, int argc,
                           char **argv, cli_read_opts *ro);

/*
 * Loads --policy (or the nearest pgward.policy) and picks the role (--role or the
 * policy's default). Returns -1 to go on (*pol stays NULL when there is no policy
 * and none is required), or the exit status after a reported error; *pol must be
 * freed with policy_free() either way.
 */
struct policy;
struct policy_role;
int cli_load_policy(const char *cmd, const cli_read_opts *ro, bool required,
                    struct policy **pol, const struct policy_role **role);

/* The nearest pgward.policy from the current folder upwards (malloc'd), or NULL. */
char *cli_find_policy(void);
void cli_read_opts_free(cli_read_opts *ro);

/*
 * Expands PATH arguments: files as given, directories walked recursively for *.sql
 * (sorted, hidden entries skipped), "-" for stdin. Returns -1 after printing an
 * error for a path that does not exist.
 */
int cli_collect_paths(const char *cmd, char **args, int nargs, path_list *out);
void path_list_free(path_list *pl);

/*
 * Whether path matches the glob pattern (--include, --exclude, the policy's
 * exclude). A pattern without '/' is matched against the file name alone; any
 * other pattern against the path as given or walked (a leading "./" dropped). '*'
 * and '?' do not match '/', "**" matches anything (including '/'), [...] is a
 * class. A pattern that matches a leading folder of the path matches the path:
 * "migrations/legacy" matches every file below that folder, as does the same
 * pattern followed by a slash and "**".
 */
bool cli_glob_match(const char *pattern, const char *path);

/*
 * Drops from ro->paths the files --include leaves out and those --exclude or one
 * of the extra patterns (the policy's exclude) matches; "-" is always kept. Prints
 * a note on stderr for each PATH argument dropped.
 */
void cli_filter_paths(cli_read_opts *ro, char *const *extra_excludes, size_t nextra);

/*
 * --changed: fills ro->paths with the *.sql files below the current folder git
 * reports added, copied, modified or renamed since ro->since (default: HEAD,
 * i.e. staged and unstaged changes), plus untracked files. Runs git without a
 * shell. Returns -1 to go on, or 2 after a reported error (not a git repository,
 * unknown revision, git missing).
 */
int cli_collect_changed(const char *cmd, cli_read_opts *ro);

/* Help text for the connection options of apply and audit. */
#define CLI_CONN_OPTIONS_HELP                                                         \
    "      --db CONNINFO          a conninfo string or postgresql:// URI (default: the\n" \
    "                             PG* environment variables)\n"                      \
    "      --env-file FILE        KEY=VALUE lines of PG* variables (e.g. .env.staging)\n" \
    "      --journal FILE         the local journal (default: $PGWARD_JOURNAL, else\n"  \
    "                             ~/.local/state/pgward/journal.jsonl)\n"

/* Where apply and audit connect, and their journal. */
typedef struct cli_conn_opts {
    const char *db;
    const char *env_file;
    char *journal;        /* malloc'd: --journal or apply_default_journal() */
    conn_params params;   /* from the env file */
} cli_conn_opts;

/* getopt_long codes and entries of --db, --env-file and --journal. */
enum { CLI_OPT_DB = 1000, CLI_OPT_ENV_FILE, CLI_OPT_JOURNAL };
#define CLI_CONN_LONGOPTS                                                             \
    {"db", required_argument, NULL, CLI_OPT_DB},                                      \
        {"env-file", required_argument, NULL, CLI_OPT_ENV_FILE},                      \
        {"journal", required_argument, NULL, CLI_OPT_JOURNAL}

/* Records a connection option; returns false when opt is not one of them. */
bool cli_conn_option(cli_conn_opts *co, int opt, const char *value);

/* Reads the env file and picks the journal. Returns -1 to go on, or 2 after a
   reported error. */
int cli_conn_open_params(const char *cmd, cli_conn_opts *co);
void cli_conn_opts_free(cli_conn_opts *co);

#endif
