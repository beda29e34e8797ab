/*
 * cli.c: option handling and path walking shared by the subcommands; see cli.h.
 */
#include "cli.h"

#include "apply.h"

#include "batch.h"
#include "policy.h"

#include <dirent.h>
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void cli_read_opts_free(cli_read_opts *ro)
{
    script_options_free(&ro->script);
    path_list_free(&ro->paths);
}

enum { OPT_ROOT = 1000, OPT_ALLOW_OUTSIDE_ROOT, OPT_FORMAT, OPT_POLICY, OPT_ROLE, OPT_SIGN };

int cli_parse_read_command(const char *cmd, const char *usage, unsigned flags, int argc,
                           char **argv, cli_read_opts *ro)
{
    static const struct option longopts[] = {
        {"allow-include-outside-root", no_argument, NULL, OPT_ALLOW_OUTSIDE_ROOT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {"jobs", required_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"sign", required_argument, NULL, OPT_SIGN},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"role", required_argument, NULL, OPT_ROLE},
        {"root", required_argument, NULL, OPT_ROOT},
        {"set", required_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    memset(ro, 0, sizeof(*ro));
    ro->script = script_options_default();
    ro->jobs = batch_default_jobs();
    int opt;
    char *end;
    long n;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":hj:o:v:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage, stdout);
            return EXIT_CLEAN;
        case 'j':
            n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > 256)
                return usage_error(cmd, "invalid --jobs value '%s': expected a number from 1 to 256",
                                   optarg);
            ro->jobs = (int)n;
            break;
        case 'v':
            if (script_set_var_assignment(&ro->script, optarg) < 0)
                return usage_error(cmd, "invalid variable assignment '%s': expected NAME=VALUE",
                                   optarg);
            break;
        case OPT_ROOT: {
            struct stat st;
            if (stat(optarg, &st) != 0 || !S_ISDIR(st.st_mode))
                return usage_error(cmd, "invalid --root '%s': not a folder", optarg);
            ro->script.root = optarg;
            break;
        }
        case OPT_ALLOW_OUTSIDE_ROOT:
            ro->script.allow_outside_root = true;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                ro->json = true;
            else if (strcmp(optarg, "text") != 0)
                return usage_error(cmd, "unknown format '%s': expected text or json", optarg);
            break;
        case OPT_POLICY:
        case OPT_ROLE:
            if (!(flags & CLI_WITH_POLICY))
                return usage_error(cmd, "unknown option '%s'",
                                   opt == OPT_POLICY ? "--policy" : "--role");
            if (opt == OPT_POLICY)
                ro->policy_path = optarg;
            else
                ro->role = optarg;
            break;
        case 'o':
        case OPT_SIGN:
            if (!(flags & CLI_WITH_BUNDLE))
                return usage_error(cmd, "unknown option '%s'", opt == 'o' ? "-o" : "--sign");
            if (opt == 'o')
                ro->output = optarg;
            else
                ro->sign_key = optarg;
            break;
        case ':':
            return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error(cmd, "no PATH given");
    if (cli_collect_paths(cmd, argv + optind, argc - optind, &ro->paths) < 0)
        return EXIT_USAGE;
    return -1;
}

char *cli_find_policy(void)
{
    char *dir = realpath(".", NULL);
    while (dir) {
        char *candidate = xasprintf("%s%spgward.policy", dir, str_ends_with(dir, "/") ? "" : "/");
        struct stat st;
        if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
            free(dir);
            return candidate;
        }
        free(candidate);
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            if (slash && dir[1] != '\0') {
                dir[1] = '\0'; /* try "/" last */
                continue;
            }
            break;
        }
        *slash = '\0';
    }
    free(dir);
    return NULL;
}

static void add_path(path_list *pl, const char *p)
{
    GROW(pl->paths, pl->cap, pl->count + 1);
    pl->paths[pl->count++] = xstrdup(p);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the *.sql files below dir, sorted by path. */
static int walk_dir(const char *dir, path_list *pl, int depth)
{
    if (depth > 64)
        return error("directory '%s' is nested too deeply", dir);
    DIR *d = opendir(dir);
    if (!d)
        return error("cannot open directory '%s': %s", dir, strerror(errno));
    path_list here = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s%s%s", dir, str_ends_with(dir, "/") ? "" : "/", e->d_name);
        add_path(&here, p);
        free(p);
    }
    closedir(d);
    if (here.count)
        qsort(here.paths, here.count, sizeof(char *), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < here.count && rc == 0; i++) {
        struct stat st;
        if (stat(here.paths[i], &st) != 0)
            continue; /* a dangling link: nothing to read */
        if (S_ISDIR(st.st_mode))
            rc = walk_dir(here.paths[i], pl, depth + 1);
        else if (S_ISREG(st.st_mode) && str_ends_with(here.paths[i], ".sql"))
            add_path(pl, here.paths[i]);
    }
    path_list_free(&here);
    return rc;
}

int cli_collect_paths(const char *cmd, char **args, int nargs, path_list *out)
{
    (void)cmd;
    for (int i = 0; i < nargs; i++) {
        if (strcmp(args[i], "-") == 0) {
            add_path(out, "-");
            continue;
        }
        struct stat st;
        if (stat(args[i], &st) != 0)
            return error("cannot read '%s': %s", args[i], strerror(errno));
        if (S_ISDIR(st.st_mode)) {
            if (walk_dir(args[i], out, 0) < 0)
                return -1;
        } else {
            add_path(out, args[i]);
        }
    }
    return 0;
}

void path_list_free(path_list *pl)
{
    for (size_t i = 0; i < pl->count; i++)
        free(pl->paths[i]);
    free(pl->paths);
    memset(pl, 0, sizeof(*pl));
}

/*
 * Loads --policy (or the nearest pgward.policy) and picks the role. Returns -1 to
 * go on (*pol may stay NULL: no policy anywhere), or the exit status after a
 * reported error.
 */
int cli_load_policy(const char *cmd, const cli_read_opts *ro, bool required, policy **pol,
                    const policy_role **role)
{
    *pol = NULL;
    char *path = ro->policy_path ? xstrdup(ro->policy_path) : cli_find_policy();
    if (!path) {
        if (ro->role)
            return usage_error(cmd, "--role '%s' needs a policy: give --policy FILE",
                               ro->role);
        if (required)
            return usage_error(cmd, "no policy: give --policy FILE or add a pgward.policy");
        return -1;
    }
    char *err = NULL;
    *pol = policy_load(path, &err);
    if (!*pol) {
        if (strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':')
            fprintf(stderr, "%s\n", err);
        else
            error("%s", err);
        free(err);
        free(path);
        return EXIT_USAGE;
    }
    const char *name = ro->role ? ro->role : (*pol)->default_role;
    if (!name) {
        free(path);
        return usage_error(cmd, "no --role given and policy '%s' has no default role",
                           (*pol)->name);
    }
    *role = policy_find_role(*pol, name);
    if (!*role) {
        int rc = usage_error(cmd, "unknown role '%s': policy '%s' does not declare it", name,
                             (*pol)->name);
        free(path);
        return rc;
    }
    free(path);
    return -1;
}

bool cli_conn_option(cli_conn_opts *co, int opt, const char *value)
{
    switch (opt) {
    case CLI_OPT_DB:
        co->db = value;
        return true;
    case CLI_OPT_ENV_FILE:
        co->env_file = value;
        return true;
    case CLI_OPT_JOURNAL:
        free(co->journal);
        co->journal = xstrdup(value);
        return true;
    default:
        return false;
    }
}

int cli_conn_open_params(const char *cmd, cli_conn_opts *co)
{
    (void)cmd;
    char *err = NULL;
    if (co->env_file && conn_params_read_env_file(co->env_file, &co->params, &err) < 0) {
        error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    if (!co->journal)
        co->journal = apply_default_journal();
    return -1;
}

void cli_conn_opts_free(cli_conn_opts *co)
{
    conn_params_free(&co->params);
    free(co->journal);
    co->journal = NULL;
}
