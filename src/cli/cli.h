/*
 * cli.h: what the subcommands share: the command table entry type, the option
 * table fragments (options.h) several commands list (how scripts are read, -v,
 * --root, ...; the policy; the connection), and the walk that turns
 * PATH arguments into a sorted list of script files.
 *
 * Only the CLI layer (main.c and cmd_*.c) prints usage and decides exit codes.
 */
#ifndef PGWARD_CLI_H
#define PGWARD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"
#include "conn/conn.h"
#include "script/script.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} command;

/* The sorted command table (main.c). */
extern const command pgward_commands[];
extern const size_t pgward_ncommands;

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

/* Glob patterns given to a repeatable option (--include, --exclude), in order. */
typedef struct cli_globs {
    const char **items;
    size_t count;
} cli_globs;

/* What a script-reading command (lint, parse, bundle) was asked to do. */
typedef struct cli_read_opts {
    script_options script;   /* -v, --root, --allow-include-outside-root */
    int jobs;                /* -j/--jobs */
    path_list paths;
    const char *policy_path; /* --policy (CLI_POLICY_OPTIONS) */
    const char *role;        /* --role (CLI_POLICY_OPTIONS) */
    const char *output;      /* -o/--output (CLI_BUNDLE_OPTIONS) */
    const char *sign_key;    /* --sign (CLI_BUNDLE_OPTIONS) */
    cli_format format;       /* --format */
    int pg_version;          /* --pg-version (CLI_LINT_OPTIONS; default: the grammar's) */
    cli_globs includes;      /* --include GLOB (CLI_LINT_OPTIONS) */
    cli_globs excludes;      /* --exclude GLOB */
    bool error_on_warnings;  /* --error-on-warnings */
    bool changed;            /* --changed: paths come from git */
    const char *since;       /* --since REF */
} cli_read_opts;

/*
 * Option table fragments (options.h) that store into a cli_read_opts; a command
 * lists those it takes, in the order its --help shows them.
 */

/* How scripts are read: -v/--set, --root, --allow-include-outside-root, -j/--jobs. */
#define CLI_READ_OPTIONS(ro)                                                          \
    CLI_OPT_CALLBACK('v', "set", "NAME=VALUE", &(ro)->script, cli_opt_set_var,       \
                     "set a psql variable (as psql -v)"),                             \
        CLI_OPT_CALLBACK(0, "root", "DIR", &(ro)->script.root, cli_opt_root,          \
                         "includes must stay inside DIR (default: the\n"              \
                         "folder of each script given)"),                             \
        CLI_OPT_BOOL(0, "allow-include-outside-root", &(ro)->script.allow_outside_root, \
                     "let \\i and \\ir read files outside the root"),                 \
        CLI_OPT_CALLBACK('j', "jobs", "N", &(ro)->jobs, cli_opt_jobs,                 \
                         "read N files at a time (default: the processors,\n"         \
                         "at most 8); output order does not change")

/* --format text|json (parse, bundle). */
#define CLI_FORMAT_OPTION(ro)                                                         \
    CLI_OPT_CALLBACK(0, "format", "FORMAT", &(ro)->format, cli_opt_format,            \
                     "text (default) or json")

/* --policy and --role (lint, bundle). */
#define CLI_POLICY_OPTIONS(ro)                                                        \
    CLI_OPT_STRING(0, "policy", "FILE", &(ro)->policy_path,                           \
                   "check every statement against this policy (default:\n"            \
                   "pgward.policy in this folder or the nearest above)"),             \
        CLI_OPT_STRING(0, "role", "ROLE", &(ro)->role,                                \
                       "the role the scripts will run as (default: the\n"             \
                       "policy's default role)")

/* What only lint takes: every --format, the target version, the path filters. */
#define CLI_LINT_OPTIONS(ro)                                                          \
    CLI_OPT_CALLBACK(0, "format", "FORMAT", &(ro)->format, cli_opt_lint_format,       \
                     "text (default), json, sarif (SARIF 2.1.0), github\n"            \
                     "(workflow annotations), gitlab (Code Quality) or\n"             \
                     "junit (JUnit XML)"),                                            \
        CLI_OPT_CALLBACK(0, "pg-version", "N", &(ro)->pg_version, cli_opt_pg_version, \
                         "the PostgreSQL major version the scripts target,\n"        \
                         "for rules whose advice depends on it (10 to 18;\n"         \
                         "default " PGWARD_GRAMMAR_MAJOR_TEXT "); statements are parsed with the\n"    \
                         "built-in PostgreSQL " PGWARD_GRAMMAR_MAJOR_TEXT " grammar"),           \
        CLI_OPT_CALLBACK(0, "include", "GLOB", &(ro)->includes, cli_opt_include,      \
                         "lint only files matching GLOB (repeatable)"),               \
        CLI_OPT_CALLBACK(0, "exclude", "GLOB", &(ro)->excludes, cli_opt_exclude,      \
                         "skip files matching GLOB (repeatable; adds to the\n"        \
                         "policy's exclude patterns)"),                               \
        CLI_OPT_BOOL(0, "error-on-warnings", &(ro)->error_on_warnings,                \
                     "exit 1 when any warning is reported, too"),                     \
        CLI_OPT_BOOL(0, "changed", &(ro)->changed,                                    \
                     "lint the *.sql files git reports changed (against\n"            \
                     "HEAD, plus untracked files) instead of PATHs"),                 \
        CLI_OPT_STRING(0, "since", "REF", &(ro)->since,                               \
                       "with --changed: changed since REF (a commit,\n"               \
                       "branch or tag) instead of HEAD")

/* Where bundle writes, and its signing key. */
#define CLI_BUNDLE_OPTIONS(ro)                                                        \
    CLI_OPT_STRING('o', "output", "OUT", &(ro)->output,                               \
                   "the bundle folder to create (must not exist)"),                   \
        CLI_OPT_STRING(0, "sign", "KEY", &(ro)->sign_key,                             \
                       "sign the manifest with this Ed25519 private key\n"            \
                       "(pgward keygen makes one)")

/* The callbacks of the fragments above (cli_opt_format also serves other --format
   options that take text or json). dest: the type the fragment points at. */
int cli_opt_set_var(const char *cmd, const char *arg, void *script_opts); /* script_options */
int cli_opt_root(const char *cmd, const char *arg, void *root);           /* const char * */
int cli_opt_jobs(const char *cmd, const char *arg, void *jobs);           /* int */
int cli_opt_format(const char *cmd, const char *arg, void *format);       /* cli_format */
int cli_opt_lint_format(const char *cmd, const char *arg, void *format);  /* cli_format */
int cli_opt_pg_version(const char *cmd, const char *arg, void *version);  /* int */
int cli_opt_include(const char *cmd, const char *arg, void *globs);       /* cli_globs */
int cli_opt_exclude(const char *cmd, const char *arg, void *globs);       /* cli_globs */

/* Sets ro to the defaults (jobs: the processors; the grammar's PostgreSQL major), before the table
   that points into it is parsed. */
void cli_read_opts_init(cli_read_opts *ro);

/*
 * Parses the options (a table of the fragments above) and the PATH arguments of a
 * script-reading command (argv[0] is the command name) into ro, which
 * cli_read_opts_init() has set up. Returns -1 when the command should go on, or the
 * exit status to return now (after --help, or a usage error it has reported). ro
 * must be freed with cli_read_opts_free() either way.
 */
int cli_parse_read_command(const cli_usage *u, const cli_option *opts, int argc, char **argv,
                           cli_read_opts *ro);

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
 * error for a path that does not exist or a folder that holds no *.sql file.
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
 * a note on stderr for each PATH argument dropped. Returns -1 to go on, or 2 after
 * an error: an --include that matches none of the files found, or no file left.
 * With --changed neither is an error: nothing changed is a clean run (a note says
 * so).
 */
int cli_filter_paths(cli_read_opts *ro, char *const *extra_excludes, size_t nextra);

/*
 * --changed: fills ro->paths with the *.sql files below the current folder git
 * reports added, copied, modified or renamed since ro->since (default: HEAD,
 * i.e. staged and unstaged changes), plus untracked files. Runs git without a
 * shell. Returns -1 to go on, or 2 after a reported error (not a git repository,
 * unknown revision, git missing).
 */
int cli_collect_changed(const char *cmd, cli_read_opts *ro);

/* Where apply, audit and verify connect, and their journal. */
typedef struct cli_conn_opts {
    const char *db;           /* --db */
    const char *env_file;     /* --env-file */
    const char *journal_path; /* --journal */
    char *journal;            /* malloc'd: --journal or apply_default_journal() */
    conn_params params;       /* from the env file */
} cli_conn_opts;

/* --db, --env-file and --journal, stored into a cli_conn_opts. */
#define CLI_CONN_OPTIONS(co)                                                          \
    CLI_OPT_STRING(0, "db", "CONNINFO", &(co)->db,                                    \
                   "a conninfo string or postgresql:// URI (default: the\n"           \
                   "PG* environment variables)"),                                     \
        CLI_OPT_STRING(0, "env-file", "FILE", &(co)->env_file,                        \
                       "KEY=VALUE lines of PG* variables (e.g. .env.staging)"),       \
        CLI_OPT_STRING(0, "journal", "FILE", &(co)->journal_path,                     \
                       "the local journal (default: $PGWARD_JOURNAL, else\n"          \
                       "~/.local/state/pgward/journal.jsonl)")

/* Reads the env file, checks that --db parses and picks the journal. Returns -1 to
   go on, or 2 after a reported error (a malformed --db is a usage error). */
int cli_conn_open_params(const char *cmd, cli_conn_opts *co);
void cli_conn_opts_free(cli_conn_opts *co);

#endif
