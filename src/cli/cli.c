/*
 * cli.c: what the subcommands share (cli.h): the callbacks of the shared option
 * fragments, script-reading commands' PATH arguments (walked, filtered by globs, or
 * from git for --changed), the policy and the connection options.
 */
#include "cli/cli.h"

#include "apply/apply.h"

#include "base/batch.h"
#include "policy/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void cli_read_opts_free(cli_read_opts *ro)
{
    script_options_free(&ro->script);
    path_list_free(&ro->paths);
    free(ro->includes.items);
    free(ro->excludes.items);
    ro->includes = ro->excludes = (cli_globs){0};
}

void cli_read_opts_init(cli_read_opts *ro)
{
    memset(ro, 0, sizeof(*ro));
    ro->script = script_options_default();
    ro->jobs = batch_default_jobs();
    ro->pg_version = PGWARD_GRAMMAR_MAJOR;
}

/* ------------------------------------------------------------------ options */

int cli_opt_set_var(const char *cmd, const char *arg, void *script_opts)
{
    if (script_set_var_assignment(script_opts, arg) < 0)
        return usage_error(cmd, "invalid variable assignment '%s': expected NAME=VALUE", arg);
    return -1;
}

int cli_opt_root(const char *cmd, const char *arg, void *root)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode))
        return usage_error(cmd, "invalid --root '%s': not a folder", arg);
    *(const char **)root = arg;
    return -1;
}

int cli_opt_jobs(const char *cmd, const char *arg, void *jobs)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < 1 || n > 256)
        return usage_error(cmd, "invalid --jobs value '%s': expected a number from 1 to 256",
                           arg);
    *(int *)jobs = (int)n;
    return -1;
}

static const struct {
    const char *name;
    cli_format format;
} formats[] = {
    {"text", CLI_FORMAT_TEXT},     {"json", CLI_FORMAT_JSON},     {"sarif", CLI_FORMAT_SARIF},
    {"github", CLI_FORMAT_GITHUB}, {"gitlab", CLI_FORMAT_GITLAB}, {"junit", CLI_FORMAT_JUNIT},
};

/* Stores the format arg names among the first n of formats[]; false when none. */
static bool pick_format(const char *arg, size_t n, cli_format *format)
{
    for (size_t k = 0; k < n; k++) {
        if (strcmp(arg, formats[k].name) == 0) {
            *format = formats[k].format;
            return true;
        }
    }
    return false;
}

int cli_opt_format(const char *cmd, const char *arg, void *format)
{
    if (!pick_format(arg, 2, format))
        return usage_error(cmd, "unknown format '%s': expected text or json", arg);
    return -1;
}

int cli_opt_lint_format(const char *cmd, const char *arg, void *format)
{
    if (!pick_format(arg, ARRAY_SIZE(formats), format))
        return usage_error(cmd,
                           "unknown format '%s': expected text, json, sarif, github, gitlab "
                           "or junit",
                           arg);
    return -1;
}

int cli_opt_pg_version(const char *cmd, const char *arg, void *version)
{
    char *end;
    long n = strtol(arg, &end, 10);
    /* 18: the newest major whose behaviour the rules know; the grammar stays the
       built-in one whatever the target (pgward --version) */
    if (*arg == '\0' || *end != '\0' || n < 10 || n > 18)
        return usage_error(cmd, "invalid --pg-version '%s': expected a major version from 10 "
                                "to 18",
                           arg);
    *(int *)version = (int)n;
    return -1;
}

static int push_glob(const char *cmd, const char *opt, const char *arg, cli_globs *globs)
{
    if (*arg == '\0')
        return usage_error(cmd, "empty --%s pattern", opt);
    globs->items = xrealloc(globs->items, (globs->count + 1) * sizeof(*globs->items));
    globs->items[globs->count++] = arg;
    return -1;
}

int cli_opt_include(const char *cmd, const char *arg, void *globs)
{
    return push_glob(cmd, "include", arg, globs);
}

int cli_opt_exclude(const char *cmd, const char *arg, void *globs)
{
    return push_glob(cmd, "exclude", arg, globs);
}

int cli_parse_read_command(const cli_usage *u, const cli_option *opts, int argc, char **argv,
                           cli_read_opts *ro)
{
    const char *cmd = u->cmd;
    int argi, rc = cli_parse_options(u, opts, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (ro->since && !ro->changed)
        return usage_error(cmd, "--since needs --changed");
    if (ro->since && (ro->since[0] == '-' || ro->since[0] == '\0'))
        return usage_error(cmd, "invalid --since '%s': expected a commit, branch or tag",
                           ro->since);
    if (ro->changed) {
        if (argi < argc)
            return usage_error(cmd, "--changed takes no PATH: git says which files to lint");
        return cli_collect_changed(cmd, ro);
    }
    if (argi >= argc)
        return usage_error(cmd, "no PATH given");
    if (cli_collect_paths(cmd, argv + argi, argc - argi, &ro->paths) < 0)
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

static void add_path_given(path_list *pl, const char *p, bool given)
{
    GROW(pl->paths, pl->cap, pl->count + 1);
    GROW(pl->given, pl->capgiven, pl->count + 1);
    pl->given[pl->count] = given;
    pl->paths[pl->count++] = xstrdup(p);
}

static void add_path(path_list *pl, const char *p)
{
    add_path_given(pl, p, false);
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
            add_path_given(out, "-", true);
            continue;
        }
        struct stat st;
        if (stat(args[i], &st) != 0) {
            /* a pattern the shell left as it was: say so, the reason is not the file */
            if (errno == ENOENT && strpbrk(args[i], "*?["))
                return error("cannot read '%s': no such file (a pattern the shell did "
                             "not expand: no file matches it)",
                             args[i]);
            return error("cannot read '%s': %s", args[i], strerror(errno));
        }
        if (S_ISDIR(st.st_mode)) {
            size_t before = out->count;
            if (walk_dir(args[i], out, 0) < 0)
                return -1;
            /* a CI gate on a mistyped or emptied folder must fail, not pass */
            if (out->count == before)
                return error("no *.sql file in folder '%s'", args[i]);
        } else {
            add_path_given(out, args[i], true);
        }
    }
    return 0;
}

void path_list_free(path_list *pl)
{
    for (size_t i = 0; i < pl->count; i++)
        free(pl->paths[i]);
    free(pl->paths);
    free(pl->given);
    memset(pl, 0, sizeof(*pl));
}

/* ------------------------------------------------------------------ globs */

/* Matches a bracket class at p (after '['); *next gets the pattern after ']'.
   Returns -1 when the class is malformed (then '[' is an ordinary character). */
static int match_class(const char *p, unsigned char c, const char **next)
{
    bool negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    bool hit = false;
    const char *start = p;
    while (*p && (*p != ']' || p == start)) {
        unsigned char lo = (unsigned char)*p, hi = lo;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = (unsigned char)p[2];
            p += 3;
        } else {
            p++;
        }
        if (c >= lo && c <= hi)
            hit = true;
    }
    if (*p != ']')
        return -1;
    *next = p + 1;
    return hit != negate && c != '/';
}

/* Whether the whole of s matches the whole of p. */
static bool glob_here(const char *p, const char *s)
{
    while (*p) {
        if (p[0] == '*' && p[1] == '*') {
            while (*p == '*')
                p++;
            /* "**" then '/' also matches no folder at all: a, slash, "**", slash, b
               matches "a/b" */
            if (*p == '/' && glob_here(p + 1, s))
                return true;
            for (const char *t = s;; t++) {
                if (glob_here(p, t))
                    return true;
                if (!*t)
                    return false;
            }
        }
        if (*p == '*') {
            p++;
            for (const char *t = s;; t++) {
                if (glob_here(p, t))
                    return true;
                if (!*t || *t == '/')
                    return false;
            }
        }
        if (!*s)
            return false;
        if (*p == '?') {
            if (*s == '/')
                return false;
        } else if (*p == '[') {
            const char *next;
            int m = match_class(p + 1, (unsigned char)*s, &next);
            if (m == 0)
                return false;
            if (m == 1) {
                p = next;
                s++;
                continue;
            }
            if (*s != '[')
                return false;
        } else if (*p == '\\' && p[1]) {
            p++;
            if (*p != *s)
                return false;
        } else if (*p != *s) {
            return false;
        }
        p++;
        s++;
    }
    return *s == '\0';
}

bool cli_glob_match(const char *pattern, const char *path)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (!strchr(pattern, '/')) {
        /* the file name, or any folder name on the way */
        for (const char *seg = path; *seg;) {
            const char *slash = strchr(seg, '/');
            size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
            char *name = xstrndup(seg, len);
            bool m = glob_here(pattern, name);
            free(name);
            if (m)
                return true;
            if (!slash)
                break;
            seg = slash + 1;
        }
        return false;
    }
    while (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    if (glob_here(pattern, path))
        return true;
    /* a leading folder of the path */
    char *prefix = xstrdup(path);
    bool m = false;
    for (char *slash = strrchr(prefix, '/'); slash && !m; slash = strrchr(prefix, '/')) {
        *slash = '\0';
        m = glob_here(pattern, prefix);
    }
    free(prefix);
    return m;
}

static const char *first_match(const char *const *globs, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (cli_glob_match(globs[i], path))
            return globs[i];
    return NULL;
}

int cli_filter_paths(cli_read_opts *ro, char *const *extra_excludes, size_t nextra)
{
    path_list *pl = &ro->paths;
    /* an --include that matches nothing is a typo (a changed set may miss it) */
    for (size_t g = 0; g < ro->includes.count && !ro->changed; g++) {
        bool hit = false;
        for (size_t i = 0; i < pl->count && !hit; i++)
            hit = strcmp(pl->paths[i], "-") != 0 &&
                  cli_glob_match(ro->includes.items[g], pl->paths[i]);
        if (!hit)
            return error("no file matches --include '%s' (of the %zu found)",
                         ro->includes.items[g], pl->count),
                   EXIT_USAGE;
    }
    size_t found = pl->count, out = 0;
    for (size_t i = 0; i < pl->count; i++) {
        const char *p = pl->paths[i];
        bool given = pl->given && pl->given[i];
        bool keep = true;
        if (strcmp(p, "-") != 0) {
            const char *why = NULL;
            if (ro->includes.count && !first_match(ro->includes.items, ro->includes.count, p)) {
                keep = false;
                if (given)
                    fprintf(stderr, "pgward: note: skipping '%s': it matches no --include\n", p);
            } else if ((why = first_match(ro->excludes.items, ro->excludes.count, p)) != NULL) {
                keep = false;
                if (given)
                    fprintf(stderr, "pgward: note: skipping '%s': excluded by --exclude '%s'\n",
                            p, why);
            } else if ((why = first_match((const char *const *)extra_excludes, nextra, p))) {
                keep = false;
                if (given)
                    fprintf(stderr,
                            "pgward: note: skipping '%s': excluded by the policy's exclude "
                            "\"%s\"\n",
                            p, why);
            }
        }
        if (!keep) {
            free(pl->paths[i]);
            continue;
        }
        pl->paths[out] = pl->paths[i];
        if (pl->given)
            pl->given[out] = given;
        out++;
    }
    pl->count = out;
    if (out > 0)
        return -1;
    if (ro->changed) {
        /* a pre-commit hook on a commit without SQL passes: the empty report is right */
        fprintf(stderr, "pgward: note: no *.sql file changed since %s: nothing to lint\n",
                ro->since ? ro->since : "HEAD");
        return -1;
    }
    return error("no file left to read: --include, --exclude and the policy's exclude "
                 "leave none of the %zu found",
                 found),
           EXIT_USAGE;
}

/* ------------------------------------------------------------------ --changed */

/*
 * Runs git with argv (no shell), stdin from /dev/null, stderr discarded. Returns
 * git's exit status (127 when it cannot be run); *out (may be NULL) gets its
 * standard output.
 */
static int run_git(char *const argv[], strbuf *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 127;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return 127;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp("git", argv);
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    ssize_t got;
    while ((got = read(fds[0], buf, sizeof(buf))) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (out)
            sb_add(out, buf, (size_t)got);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 127;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Adds the NUL-separated *.sql names of out that exist as regular files. */
static void add_git_names(path_list *pl, const strbuf *out)
{
    for (size_t i = 0; i < out->len;) {
        const char *name = out->buf + i;
        size_t len = strnlen(name, out->len - i);
        i += len + 1;
        if (len == 0 || !str_ends_with(name, ".sql"))
            continue;
        struct stat st;
        if (stat(name, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        bool dup = false;
        for (size_t k = 0; k < pl->count && !dup; k++)
            dup = strcmp(pl->paths[k], name) == 0;
        if (!dup)
            add_path(pl, name);
    }
}

int cli_collect_changed(const char *cmd, cli_read_opts *ro)
{
    (void)cmd;
    strbuf out = {0};
    char *inside[] = {"git", "rev-parse", "--is-inside-work-tree", NULL};
    int rc = run_git(inside, &out);
    if (rc == 127) {
        sb_free(&out);
        return error("--changed: cannot run git: is it installed?"), EXIT_USAGE;
    }
    if (rc != 0 || out.len < 4 || strncmp(out.buf, "true", 4) != 0) {
        sb_free(&out);
        return error("--changed: the current folder is not inside a git work tree"),
               EXIT_USAGE;
    }
    sb_truncate(&out, 0);
    const char *base = ro->since ? ro->since : "HEAD";
    char *rev = xasprintf("%s^{commit}", base);
    char *verify[] = {"git", "rev-parse", "--verify", "--quiet", "--end-of-options", rev, NULL};
    rc = run_git(verify, NULL);
    free(rev);
    if (rc != 0) {
        sb_free(&out);
        if (ro->since)
            return error("--since '%s': git knows no such commit, branch or tag", ro->since),
                   EXIT_USAGE;
        return error("--changed: the repository has no commit yet: give --since REF"),
               EXIT_USAGE;
    }
    /* the working tree (staged and unstaged) against base, as paths below "." */
    char *diff[] = {"git", "diff", "--name-only", "-z", "--no-renames", "--diff-filter=ACMR",
                    "--relative", (char *)base, "--", NULL};
    if (run_git(diff, &out) != 0) {
        sb_free(&out);
        return error("--changed: 'git diff --name-only %s' failed", base), EXIT_USAGE;
    }
    add_git_names(&ro->paths, &out);
    sb_truncate(&out, 0);
    char *untracked[] = {"git", "ls-files", "-z", "--others", "--exclude-standard", NULL};
    if (run_git(untracked, &out) != 0) {
        sb_free(&out);
        return error("--changed: 'git ls-files --others' failed"), EXIT_USAGE;
    }
    add_git_names(&ro->paths, &out);
    sb_free(&out);
    /* one order whatever git printed: sorted by path */
    for (size_t i = 1; i < ro->paths.count; i++) {
        for (size_t k = i; k > 0 && strcmp(ro->paths.paths[k - 1], ro->paths.paths[k]) > 0; k--) {
            char *t = ro->paths.paths[k];
            ro->paths.paths[k] = ro->paths.paths[k - 1];
            ro->paths.paths[k - 1] = t;
        }
    }
    return -1;
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

int cli_conn_open_params(const char *cmd, cli_conn_opts *co)
{
    (void)cmd;
    char *err = NULL;
    if (co->env_file && conn_params_read_env_file(co->env_file, &co->params, &err) < 0) {
        error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    /* a malformed --db is a usage error (2), whatever the command, not a failure to
       connect (3) */
    if (conn_check_db(&co->params, co->db, &err) < 0) {
        error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    free(co->journal);
    co->journal = co->journal_path ? xstrdup(co->journal_path) : apply_default_journal();
    return -1;
}

void cli_conn_opts_free(cli_conn_opts *co)
{
    conn_params_free(&co->params);
    free(co->journal);
    co->journal = NULL;
}
