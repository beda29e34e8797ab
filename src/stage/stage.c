/*
 * stage.c: pgward stage up/status/down; see stage.h.
 *
 * up, in order (a failure at any step stops the server, if it was started, and
 * removes everything made so far):
 *   1. find the PostgreSQL 15 binaries and, when root, the postgres OS user
 *   2. lock DIR (flock, created when missing); an existing marker means a stage:
 *      answering on its port → report it, change nothing; silent → stale: empty
 *      the folder and go on; a non-empty folder without the marker is refused
 *   3. the port must be free; the postgres user must be able to reach DIR
 *   4. the marker (ready: false), data/, run/, server.log; initdb with a random
 *      superuser password from a 0600 file that is deleted right after
 *   5. postgresql.conf: loopback only, the port, the socket folder, the logging the
 *      audit trail asks for, row_security; pg_ctl start -w (bounded)
 *   6. as the superuser: CREATE DATABASE staging; the setup script of the policy
 *      (provision.h: sql/audit.sql, its roles, schemas and privileges,
 *      sql/bootstrap.sql; one PQexec: one implicit transaction); passwords as SCRAM
 *      verifiers computed here for the policy's admin (its first unrestricted role)
 *      and automation role (its default role); the automation role's VALID UNTIL
 *      computed by the server
 *   7. the env files (0600, O_EXCL), checked by connecting through them
 *   8. the evidence, collected through those connections; the marker, ready
 *
 * Child processes (initdb, pg_ctl) run as the postgres OS user when pgward runs as
 * root: a forked child drops to its uid, gid and groups before exec, which is what
 * `runuser -u postgres --` does, without needing runuser or PAM. Their output is
 * captured for error messages; the postmaster itself writes only to server.log.
 *
 * The signal flag below is the one piece of global state, as a signal handler
 * needs it: SIGINT/SIGTERM/SIGHUP during up make it clean up and return.
 */
#define _GNU_SOURCE
#include "stage/stage.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/util.h"
#include "conn/conn.h"
#include "policy/query.h"
#include "stage/provision.h"

#define MARKER_NAME "stage.json"
#define MARKER_FORMAT "pgward-stage 1"
#define PG_START_TIMEOUT "60" /* seconds pg_ctl waits for start and stop */
#define MAX_OUTPUT ((size_t)64 << 10)

/* ------------------------------------------------------------------ signals */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
}

int stage_signal(void)
{
    return caught_signal;
}

/* ------------------------------------------------------------------ state */

typedef struct stage {
    const stage_opts *o;
    const char *shown; /* DIR as the user wrote it */
    char *dir;         /* absolute (canonical once it exists) */
    char *data, *run, *log, *marker, *pwfile, *env_admin, *env_staging;
    char *shown_env_admin, *shown_env_staging;
    char *bindir;
    bool as_postgres; /* root: server commands run as the postgres OS user */
    uid_t pg_uid;
    gid_t pg_gid;
    char *pg_home;
    int lock_fd;
    char **created; /* folders made by this run (parents first), removed on failure */
    size_t ncreated, capcreated;
    bool dir_made;  /* DIR itself was made by this run, or held a stale stage */
    bool started;   /* pg_ctl start was run: stop the server on failure */
    bool no_socket; /* the socket path would be too long: TCP only */
} stage;

/* What stage.json holds. */
typedef struct marker {
    int port;
    long ttl_seconds;
    char *bindir, *created, *expires, *database;
    char *admin, *automation; /* the roles of the env files */
    bool ready;
} marker;

static void marker_free(marker *m)
{
    free(m->bindir);
    free(m->created);
    free(m->expires);
    free(m->database);
    free(m->admin);
    free(m->automation);
    memset(m, 0, sizeof(*m));
}

static int fail(stage *s, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int fail(stage *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    fprintf(s->o->err, "pgward: %s\n", m);
    fflush(s->o->err);
    free(m);
    return -1;
}

stage_opts stage_opts_default(void)
{
    stage_opts o;
    memset(&o, 0, sizeof(o));
    o.dir = stage_default_dir();
    o.port = STAGE_DEFAULT_PORT;
    o.ttl_seconds = STAGE_DEFAULT_TTL;
    o.out = stdout;
    o.err = stderr;
    return o;
}

const char *stage_default_dir(void)
{
    const char *env = getenv("PGWARD_STAGE_DIR");
    return env && *env ? env : ".pgward/stage";
}

int stage_parse_ttl(const char *text, long *seconds)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    char *end;
    long long n = strtoll(text, &end, 10);
    if (errno)
        return -1;
    long unit = 1;
    switch (*end) {
    case '\0':
    case 's':
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        return -1;
    }
    if (*end && end[1])
        return -1;
    if (n <= 0 || n > STAGE_MAX_TTL || n * unit > STAGE_MAX_TTL)
        return -1;
    *seconds = (long)(n * unit);
    return 0;
}

/* Sets every path from dir (absolute). */
static void set_paths(stage *s, char *dir)
{
    free(s->dir);
    free(s->data);
    free(s->run);
    free(s->log);
    free(s->marker);
    free(s->pwfile);
    free(s->env_admin);
    free(s->env_staging);
    s->dir = dir;
    s->data = xasprintf("%s/data", dir);
    s->run = xasprintf("%s/run", dir);
    s->log = xasprintf("%s/server.log", dir);
    s->marker = xasprintf("%s/" MARKER_NAME, dir);
    s->pwfile = xasprintf("%s/.pwfile", dir);
    s->env_admin = xasprintf("%s/.env.admin", dir);
    s->env_staging = xasprintf("%s/.env.staging", dir);
}

static void stage_init(stage *s, const stage_opts *o)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->lock_fd = -1;
    s->shown = o->dir && *o->dir ? o->dir : stage_default_dir();
    size_t n = strlen(s->shown);
    const char *sep = n && s->shown[n - 1] == '/' ? "" : "/";
    s->shown_env_admin = xasprintf("%s%s.env.admin", s->shown, sep);
    s->shown_env_staging = xasprintf("%s%s.env.staging", s->shown, sep);
    char *dir;
    if (s->shown[0] == '/') {
        dir = xstrdup(s->shown);
    } else {
        char *cwd = getcwd(NULL, 0);
        dir = xasprintf("%s/%s", cwd ? cwd : ".", s->shown);
        free(cwd);
    }
    while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
        dir[strlen(dir) - 1] = '\0';
    set_paths(s, dir);
}

static void stage_free(stage *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->dir);
    free(s->data);
    free(s->run);
    free(s->log);
    free(s->marker);
    free(s->pwfile);
    free(s->env_admin);
    free(s->env_staging);
    free(s->shown_env_admin);
    free(s->shown_env_staging);
    free(s->bindir);
    free(s->pg_home);
    for (size_t i = 0; i < s->ncreated; i++)
        free(s->created[i]);
    free(s->created);
}

/* ------------------------------------------------------------------ processes */

/* Finds the postgres OS user when running as root. */
static int find_postgres_user(stage *s)
{
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam("postgres");
    if (!pw)
        return fail(s, "running as root, but there is no 'postgres' OS user to run the "
                       "server as (apt-get install postgresql-15 creates it)");
    s->as_postgres = true;
    s->pg_uid = pw->pw_uid;
    s->pg_gid = pw->pw_gid;
    s->pg_home = xstrdup(pw->pw_dir ? pw->pw_dir : "/");
    return 0;
}

/* In a forked child: becomes the postgres OS user. Returns -1 on failure. */
static int child_become_postgres(const stage *s)
{
    if (initgroups("postgres", s->pg_gid) < 0 || setgid(s->pg_gid) < 0 ||
        setuid(s->pg_uid) < 0)
        return -1;
    setenv("HOME", s->pg_home, 1);
    setenv("USER", "postgres", 1);
    setenv("LOGNAME", "postgres", 1);
    return 0;
}

static void child_close_fds(void)
{
    if (close_range(3, ~0U, 0) < 0)
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
}

/*
 * Runs argv[0] (looked up in PATH when it has no slash), as the postgres OS user
 * when as_pg (and root), with stdin from /dev/null and stdout+stderr collected in
 * *out (the first MAX_OUTPUT bytes). Returns the exit status, or -1 when it could
 * not run or was killed (said in *out).
 */
static int run_program(stage *s, const char *const argv[], bool as_pg, strbuf *out)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        sb_addf(out, "cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    fflush(s->o->out);
    fflush(s->o->err);
    pid_t pid = fork();
    if (pid < 0) {
        sb_addf(out, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
            _exit(126);
        child_close_fds();
        if (as_pg && s->as_postgres && child_become_postgres(s) < 0) {
            static const char m[] = "cannot switch to the postgres OS user\n";
            ssize_t w = write(2, m, sizeof(m) - 1);
            (void)w;
            _exit(126);
        }
        /* the caller's folder may be closed to postgres; DIR is not */
        if (chdir(s->dir) < 0 && chdir("/") < 0)
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len < MAX_OUTPUT)
            sb_add(out, buf, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            sb_addf(out, "cannot wait for %s: %s", argv[0], strerror(errno));
            return -1;
        }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    sb_addf(out, "%s was killed by signal %d", argv[0], WTERMSIG(status));
    return -1;
}

/* The last lines of text (at most max), trimmed, as a new string. */
static char *tail_lines(const char *text, size_t len, int max)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    size_t start = len;
    int lines = 0;
    while (start > 0) {
        if (text[start - 1] == '\n' && ++lines == max)
            break;
        start--;
    }
    return xstrndup(text + start, len - start);
}

static char *file_tail(const char *path, int max)
{
    char *data = NULL, *err = NULL;
    size_t len = 0;
    if (read_whole_file(path, (size_t)64 << 20, &data, &len, &err) < 0) {
        free(err);
        return xstrdup("");
    }
    char *t = tail_lines(data, len, max);
    free(data);
    return t;
}

/* Prints a command's captured output, indented, after an error line. */
static void print_indented(stage *s, const char *text)
{
    if (!*text)
        return;
    fputs("  | ", s->o->err);
    for (const char *p = text; *p; p++) {
        fputc(*p, s->o->err);
        if (*p == '\n' && p[1])
            fputs("  | ", s->o->err);
    }
    fputc('\n', s->o->err);
}

static bool is_exec(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    bool ok = access(p, X_OK) == 0;
    free(p);
    return ok;
}

/* Whether dir holds initdb, pg_ctl and a postgres that says it is version 15. */
static bool usable_bindir(stage *s, const char *dir, strbuf *seen)
{
    if (!is_exec(dir, "initdb") || !is_exec(dir, "pg_ctl") || !is_exec(dir, "postgres"))
        return false;
    char *postgres = xasprintf("%s/postgres", dir);
    const char *argv[] = {postgres, "--version", NULL};
    strbuf out = {0};
    int rc = run_program(s, argv, false, &out);
    bool ok = rc == 0 && out.buf && strstr(out.buf, " 15.");
    if (!ok && out.len)
        sb_addf(seen, " (%s: %.*s)", dir, (int)strcspn(out.buf, "\n"), out.buf);
    sb_free(&out);
    free(postgres);
    return ok;
}

/* The PostgreSQL 15 server binaries: $PG_BINDIR, `pg_config --bindir`, Debian's. */
static int find_bindir(stage *s, const char *preferred)
{
    char *cands[4] = {0};
    size_t n = 0;
    if (preferred && *preferred)
        cands[n++] = xstrdup(preferred);
    const char *env = getenv("PG_BINDIR");
    if (env && *env)
        cands[n++] = xstrdup(env);
    const char *argv[] = {"pg_config", "--bindir", NULL};
    strbuf out = {0};
    if (run_program(s, argv, false, &out) == 0 && out.len) {
        cands[n++] = xstrndup(out.buf, strcspn(out.buf, "\n"));
    }
    sb_free(&out);
    cands[n++] = xstrdup("/usr/lib/postgresql/15/bin");
    strbuf seen = {0}, tried = {0};
    for (size_t i = 0; i < n && !s->bindir; i++) {
        if (usable_bindir(s, cands[i], &seen))
            s->bindir = xstrdup(cands[i]);
        sb_addf(&tried, "%s%s", i ? ", " : "", cands[i]);
    }
    int rc = 0;
    if (!s->bindir)
        rc = fail(s, "PostgreSQL 15 server binaries (initdb, pg_ctl, postgres) not found in: "
                     "%s%s; apt-get install postgresql-15 (or set PG_BINDIR)",
                  tried.buf, seen.buf ? seen.buf : "");
    for (size_t i = 0; i < n; i++)
        free(cands[i]);
    sb_free(&seen);
    sb_free(&tried);
    return rc;
}

/* Runs pg_ctl with args as the server's user; output in *out. */
static int pg_ctl(stage *s, const char *const args[], strbuf *out)
{
    const char *argv[16];
    char *path = xasprintf("%s/pg_ctl", s->bindir);
    size_t n = 0;
    argv[n++] = path;
    for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int rc = run_program(s, argv, true, out);
    free(path);
    return rc;
}

/* ------------------------------------------------------------------ the folder */

/* Whether a process runs as the postmaster of DIR/data: its pid, else 0. */
static long postmaster_pid(const stage *s)
{
    char *path = xasprintf("%s/postmaster.pid", s->data);
    FILE *f = fopen(path, "re");
    free(path);
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno != EPERM))
        return 0;
    /* a pid from before a reboot may name another program now; a killed postmaster
       stays a zombie until its parent (often init) reaps it */
    char *stat_path = xasprintf("/proc/%ld/stat", pid);
    char line[512] = "";
    FILE *f2 = fopen(stat_path, "re");
    free(stat_path);
    if (f2) {
        if (!fgets(line, sizeof(line), f2))
            line[0] = '\0';
        fclose(f2);
    }
    const char *open_paren = strchr(line, '('), *close_paren = strrchr(line, ')');
    if (!open_paren || !close_paren || close_paren < open_paren ||
        strncmp(open_paren + 1, "postgres", 8) != 0)
        return 0;
    char state = close_paren[1] == ' ' ? close_paren[2] : '?';
    return state == 'Z' || state == 'X' ? 0 : pid;
}

static bool server_answers(int port)
{
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    const char *keys[] = {"host", "port", "dbname", "user", "connect_timeout",
                          "sslmode", "gssencmode", NULL};
    const char *values[] = {"127.0.0.1", p, "postgres", "postgres", "5", "disable", "disable",
                            NULL};
    PGPing r = PQpingParams(keys, values, 0);
    return r == PQPING_OK || r == PQPING_REJECT;
}

/* Whether the stage's server runs and answers: its postmaster (DIR/data's
   postmaster.pid) is alive and something answers on its port. */
static bool stage_running(const stage *s, int port)
{
    return postmaster_pid(s) != 0 && server_answers(port);
}

/* Whether something listens on 127.0.0.1:port (binding fails as it would for
   the server, which also sets SO_REUSEADDR). */
static bool port_in_use(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool busy = bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EADDRINUSE;
    close(fd);
    return busy;
}

/*
 * Removes everything inside the open folder fd (not following symlinks, not
 * leaving its file system). Returns 0, or -1 with errno of the first failure.
 */
static int remove_contents(int fd, dev_t dev, int depth, const char *keep)
{
    if (depth > 64) {
        errno = ELOOP;
        return -1;
    }
    int dup_fd = dup(fd);
    if (dup_fd < 0)
        return -1;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return -1;
    }
    rewinddir(d);
    int rc = 0, first_errno = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (keep && strcmp(e->d_name, keep) == 0))
            continue;
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            goto failed;
        }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev) {
                errno = EXDEV;
                goto failed;
            }
            int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                goto failed;
            int r = remove_contents(sub, dev, depth + 1, NULL);
            int saved = errno;
            close(sub);
            if (r < 0) {
                errno = saved;
                goto failed;
            }
            if (unlinkat(fd, e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                goto failed;
        } else if (unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT) {
            goto failed;
        }
        continue;
    failed:
        if (!first_errno)
            first_errno = errno;
        rc = -1;
    }
    closedir(d);
    errno = first_errno;
    return rc;
}

/*
 * Empties DIR (the stage's folder, which the caller has checked holds the marker,
 * or made itself), the marker last, so that a folder left half-emptied is still
 * known as a stage; then removes DIR too when remove_dir. A process that was still
 * writing (a backend of a killed postmaster on its way out) can add a file while
 * the folder is emptied: the removal is retried for a bounded time.
 */
static int remove_stage_dir(stage *s, bool remove_dir)
{
    int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : fail(s, "cannot open '%s': %s", s->shown, strerror(errno));
    struct stat st;
    int rc = fstat(fd, &st);
    for (int attempt = 0; rc == 0; attempt++) {
        rc = remove_contents(fd, st.st_dev, 0, MARKER_NAME);
        if (rc == 0 && unlinkat(fd, MARKER_NAME, 0) < 0 && errno != ENOENT)
            rc = -1;
        if (rc == 0 && remove_dir && rmdir(s->dir) < 0 && errno != ENOENT)
            rc = -1;
        if (rc == 0 || (errno != ENOTEMPTY && errno != EEXIST) || attempt >= 100)
            break;
        struct timespec ts = {0, 100 * 1000 * 1000}; /* bounded: 100 attempts */
        nanosleep(&ts, NULL);
        rc = 0;
    }
    int saved = errno;
    close(fd);
    if (rc < 0)
        return fail(s, "cannot remove '%s': %s", s->shown, strerror(saved));
    return 0;
}

/* Makes the missing folders of s->dir (0755: the postgres user must traverse them). */
static int make_dirs(stage *s)
{
    char *p = xstrdup(s->dir);
    int rc = 0;
    for (char *slash = p + 1;; slash++) {
        bool end = *slash == '\0';
        if (!end && *slash != '/')
            continue;
        *slash = '\0';
        if (mkdir(p, 0755) == 0) {
            chmod(p, 0755); /* whatever the umask */
            GROW(s->created, s->capcreated, s->ncreated + 1);
            s->created[s->ncreated++] = xstrdup(p);
        } else if (errno != EEXIST) {
            rc = fail(s, "cannot create '%s': %s", p, strerror(errno));
            break;
        }
        if (end)
            break;
        *slash = '/';
    }
    free(p);
    return rc;
}

/* Removes the (empty) folders this run made, deepest first. */
static void remove_made_parents(stage *s)
{
    for (size_t i = s->ncreated; i-- > 0;)
        rmdir(s->created[i]);
}

/*
 * Opens and locks DIR (creating it when create and it is missing). Returns 1 when
 * locked, 0 when DIR does not exist (and !create), -1 after a reported error.
 * The lock is on the folder itself; checking that the path still names the locked
 * folder afterwards makes a folder removed meanwhile by another command retry.
 */
static int lock_stage(stage *s, bool create)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        struct stat st;
        if (stat(s->dir, &st) < 0) {
            if (errno != ENOENT)
                return fail(s, "cannot read '%s': %s", s->shown, strerror(errno));
            if (!create)
                return 0;
            if (make_dirs(s) < 0)
                return -1;
            s->dir_made = s->ncreated > 0 && strcmp(s->created[s->ncreated - 1], s->dir) == 0;
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return fail(s, "'%s' exists and is not a folder", s->shown);
        int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return fail(s, "cannot open '%s': %s", s->shown, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                return fail(s, "another pgward stage command is working on '%s'; try again "
                               "when it is done",
                            s->shown);
            return fail(s, "cannot lock '%s': %s", s->shown, strerror(e));
        }
        struct stat now;
        if (fstat(fd, &now) == 0 && stat(s->dir, &st) == 0 && now.st_dev == st.st_dev &&
            now.st_ino == st.st_ino) {
            s->lock_fd = fd;
            char *real = realpath(s->dir, NULL);
            if (real)
                set_paths(s, real);
            return 1;
        }
        close(fd);
    }
    return fail(s, "'%s' keeps changing under pgward; is another program using it?", s->shown);
}

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    closedir(d);
    return empty;
}

/*
 * Whether the postgres OS user can reach DIR: a forked child becomes that user and
 * tries to enter every folder on the way; the first it cannot enter is named.
 */
static int postgres_can_reach(stage *s)
{
    if (!s->as_postgres)
        return 0;
    fflush(s->o->out);
    fflush(s->o->err);
    pid_t pid = fork();
    if (pid < 0)
        return fail(s, "cannot fork: %s", strerror(errno));
    if (pid == 0) {
        if (child_become_postgres(s) < 0)
            _exit(255);
        char *p = s->dir; /* this copy of the process only */
        int k = 0;
        for (char *slash = p + 1;; slash++) {
            bool end = *slash == '\0';
            if (!end && *slash != '/')
                continue;
            k++;
            *slash = '\0';
            if (access(p, X_OK) < 0)
                _exit(k > 250 ? 250 : k);
            if (end)
                break;
            *slash = '/';
        }
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return fail(s, "cannot wait for a child: %s", strerror(errno));
    int k = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    if (k == 0)
        return 0;
    if (k == 255)
        return fail(s, "cannot switch to the postgres OS user to check '%s'", s->shown);
    char *p = xstrdup(s->dir);
    int seen = 0;
    for (char *c = p + 1; *c; c++)
        if (*c == '/' && ++seen == k) {
            *c = '\0';
            break;
        }
    fail(s, "the postgres OS user, which runs the server, cannot reach '%s': it may not "
            "enter '%s'; choose a --dir it can reach (e.g. under /tmp)",
         s->shown, p);
    free(p);
    return -1;
}

/* Creates path exclusively with mode and text (owned by postgres when chown_pg). */
static int write_new_file(stage *s, const char *path, mode_t mode, bool chown_pg,
                          const char *text)
{
    if (unlink(path) < 0 && errno != ENOENT)
        return fail(s, "cannot remove the old '%s': %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(s, "cannot create '%s': %s", path, strerror(errno));
    int rc = 0;
    if (fchmod(fd, mode) < 0 || (chown_pg && s->as_postgres &&
                                 fchown(fd, s->pg_uid, s->pg_gid) < 0))
        rc = fail(s, "cannot set the owner or mode of '%s': %s", path, strerror(errno));
    size_t len = strlen(text), done = 0;
    while (rc == 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = fail(s, "cannot write '%s': %s", path, strerror(errno));
        else
            done += (size_t)w;
    }
    if (close(fd) < 0 && rc == 0)
        rc = fail(s, "cannot write '%s': %s", path, strerror(errno));
    return rc;
}

static int make_server_dir(stage *s, const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0)
        return fail(s, "cannot create '%s': %s", path, strerror(errno));
    if (chmod(path, mode) < 0 || (s->as_postgres && chown(path, s->pg_uid, s->pg_gid) < 0))
        return fail(s, "cannot set the owner or mode of '%s': %s", path, strerror(errno));
    return 0;
}

/* ------------------------------------------------------------------ the marker */

static void iso_utc(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-01-02T03:04:05Z" → seconds since the epoch, or -1. */
static time_t parse_iso_utc(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char z = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static int write_marker(stage *s, const marker *m)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", MARKER_FORMAT);
    cJSON_AddNumberToObject(j, "port", m->port);
    cJSON_AddStringToObject(j, "host", "127.0.0.1");
    cJSON_AddStringToObject(j, "pgdata", s->data);
    if (s->no_socket)
        cJSON_AddNullToObject(j, "socket_dir");
    else
        cJSON_AddStringToObject(j, "socket_dir", s->run);
    cJSON_AddStringToObject(j, "bindir", m->bindir);
    cJSON_AddStringToObject(j, "created", m->created);
    cJSON_AddNumberToObject(j, "ttl_seconds", (double)m->ttl_seconds);
    if (m->expires)
        cJSON_AddStringToObject(j, "expires", m->expires);
    else
        cJSON_AddNullToObject(j, "expires");
    cJSON_AddStringToObject(j, "database", m->database);
    if (m->admin)
        cJSON_AddStringToObject(j, "admin", m->admin);
    if (m->automation)
        cJSON_AddStringToObject(j, "automation", m->automation);
    cJSON_AddBoolToObject(j, "ready", m->ready);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    char *tmp = xasprintf("%s.tmp", s->marker);
    char *body = xasprintf("%s\n", text);
    int rc = write_new_file(s, tmp, 0644, false, body);
    if (rc == 0 && rename(tmp, s->marker) < 0)
        rc = fail(s, "cannot write '%s': %s", s->marker, strerror(errno));
    free(body);
    free(tmp);
    cJSON_free(text);
    return rc;
}

static char *json_string(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

/* Reads DIR/stage.json: 1 read, 0 there is none, -1 after a reported error. */
static int read_marker(stage *s, marker *m)
{
    memset(m, 0, sizeof(*m));
    char *data = NULL, *err = NULL;
    size_t len = 0;
    struct stat st;
    if (lstat(s->marker, &st) < 0 && errno == ENOENT)
        return 0;
    if (read_whole_file(s->marker, (size_t)1 << 16, &data, &len, &err) < 0) {
        fail(s, "%s", err);
        free(err);
        return -1;
    }
    cJSON *j = cJSON_ParseWithLength(data, len);
    free(data);
    const cJSON *port = cJSON_GetObjectItemCaseSensitive(j, "port");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(j, "format");
    if (!cJSON_IsObject(j) || !cJSON_IsNumber(port) || port->valuedouble < 1 ||
        port->valuedouble > 65535 || !cJSON_IsString(format) ||
        strcmp(format->valuestring, MARKER_FORMAT) != 0) {
        cJSON_Delete(j);
        return fail(s, "'%s/" MARKER_NAME "' is not a pgward stage marker; remove '%s' "
                       "by hand if it is yours",
                    s->shown, s->shown);
    }
    m->port = port->valueint;
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(j, "ttl_seconds");
    m->ttl_seconds = cJSON_IsNumber(ttl) ? (long)ttl->valuedouble : 0;
    m->bindir = json_string(j, "bindir");
    m->created = json_string(j, "created");
    m->expires = json_string(j, "expires");
    m->database = json_string(j, "database");
    if (!m->database)
        m->database = xstrdup(STAGE_DATABASE);
    m->admin = json_string(j, "admin");
    m->automation = json_string(j, "automation");
    m->ready = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ready"));
    cJSON_Delete(j);
    return 1;
}

/* ------------------------------------------------------------------ status */

static void format_left(long secs, char *out, size_t n)
{
    if (secs >= 86400)
        snprintf(out, n, "%ldd%ldh", secs / 86400, secs % 86400 / 3600);
    else if (secs >= 3600)
        snprintf(out, n, "%ldh%02ldm", secs / 3600, secs % 3600 / 60);
    else if (secs >= 60)
        snprintf(out, n, "%ldm", secs / 60);
    else
        snprintf(out, n, "%lds", secs);
}

/* "2026-01-02T03:04:05Z (7h59m left)" or "... (expired)". */
static char *validity(const marker *m)
{
    if (!m->expires)
        return xstrdup("not set (the stage is incomplete)");
    time_t t = parse_iso_utc(m->expires);
    if (t < 0)
        return xstrdup(m->expires);
    long left = (long)(t - time(NULL));
    if (left <= 0)
        return xasprintf("%s (expired)", m->expires);
    char buf[32];
    format_left(left, buf, sizeof(buf));
    return xasprintf("%s (%s left)", m->expires, buf);
}

static void print_status_lines(stage *s, const marker *m, bool running)
{
    FILE *out = s->o->out;
    char *valid = validity(m);
    fprintf(out, "  %-13s %s\n", running ? "since:" : "created:", m->created ? m->created : "?");
    fprintf(out, "  %-13s %s\n", "database:", m->database);
    const char *admin = m->admin ? m->admin : "?", *automation = m->automation ? m->automation : "?";
    fprintf(out, "  %-13s %s valid until %s\n", "credentials:", automation, valid);
    fprintf(out, "  %-13s %s (%s)\n", "env files:", s->shown_env_admin, admin);
    fprintf(out, "  %-13s %s (%s)\n", "", s->shown_env_staging, automation);
    free(valid);
}

stage_result stage_status(const stage_opts *o)
{
    stage s;
    stage_init(&s, o);
    marker m;
    int has = read_marker(&s, &m);
    stage_result r;
    if (has < 0) {
        r = STAGE_FAILED;
    } else if (has == 0) {
        fprintf(o->out, "no stage in '%s'\n", s.shown);
        r = STAGE_ABSENT;
    } else {
        bool running = stage_running(&s, m.port);
        if (!m.ready) {
            fprintf(o->out,
                    "stage '%s': incomplete (%s on 127.0.0.1:%d; being set up, or setup did "
                    "not finish: 'pgward stage down' removes it)\n",
                    s.shown, running ? "a server answers" : "nothing answers", m.port);
            r = STAGE_NOT_RUNNING;
        } else if (running) {
            fprintf(o->out, "stage '%s': running on 127.0.0.1:%d\n", s.shown, m.port);
            print_status_lines(&s, &m, true);
            r = STAGE_DONE;
        } else {
            fprintf(o->out, "stage '%s': not running (nothing answers on 127.0.0.1:%d)\n",
                    s.shown, m.port);
            print_status_lines(&s, &m, false);
            fputs("'pgward stage up' replaces it; 'pgward stage down' removes it\n", o->out);
            r = STAGE_NOT_RUNNING;
        }
        marker_free(&m);
    }
    stage_free(&s);
    return r;
}

/* ------------------------------------------------------------------ down */

/*
 * Stops the server of DIR/data: pg_ctl stop -m fast, then -m immediate. Returns 0
 * when no postmaster of DIR runs any more (also when none ran), else -1 (reported).
 */
static int stop_server(stage *s)
{
    if (!postmaster_pid(s))
        return 0;
    static const char *const modes[] = {"fast", "immediate"};
    strbuf out = {0};
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        sb_truncate(&out, 0);
        const char *args[] = {"stop", "-D", s->data, "-m", modes[i], "-w", "-t",
                              PG_START_TIMEOUT, NULL};
        if (pg_ctl(s, args, &out) == 0 && !postmaster_pid(s))
            break;
    }
    long pid = postmaster_pid(s);
    int rc = 0;
    if (pid) {
        rc = fail(s, "the server of '%s' (pid %ld) does not stop; left as it is", s->shown,
                  pid);
        print_indented(s, out.buf ? out.buf : "");
    }
    sb_free(&out);
    return rc;
}

stage_result stage_down(const stage_opts *o)
{
    stage s;
    stage_init(&s, o);
    stage_result r = STAGE_FAILED;
    marker m = {0};
    int locked = lock_stage(&s, false);
    int has = locked > 0 ? read_marker(&s, &m) : locked;
    if (locked == 0 || (has == 0 && dir_is_empty(s.dir))) {
        fprintf(o->out, "no stage in '%s': nothing to do\n", s.shown);
        r = STAGE_DONE;
    } else if (has == 0) {
        fail(&s, "'%s' is not a pgward stage (no " MARKER_NAME "); left untouched", s.shown);
    } else if (has > 0) {
        bool running = postmaster_pid(&s) != 0;
        if (running && find_bindir(&s, m.bindir) < 0) {
            r = STAGE_FAILED;
        } else if (find_postgres_user(&s) == 0 && (!running || stop_server(&s) == 0) &&
                   remove_stage_dir(&s, true) == 0) {
            fprintf(o->out, "stage down: %s and removed '%s'\n",
                    running ? "stopped the server" : "the server was not running", s.shown);
            r = STAGE_DONE;
        }
    }
    marker_free(&m);
    stage_free(&s);
    return r;
}

/* ------------------------------------------------------------------ SQL */

/* Runs sql; returns the result when it has the expected status, else NULL with
   *err = "what: message". */
static PGresult *run_sql(PGconn *c, const char *sql, int nparams, const char *const *params,
                         const char *what, char **err)
{
    PGresult *r = nparams ? PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0)
                          : PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char *m = conn_error_message(c, r);
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    const char *where = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    if (pos && sql) {
        long p = strtol(pos, NULL, 10);
        int line = 1;
        for (long i = 0; i < p - 1 && sql[i]; i++)
            line += sql[i] == '\n';
        *err = xasprintf("%s: line %d: %s", what, line, m);
    } else if (where) {
        *err = xasprintf("%s: %s (%.*s)", what, m, (int)strcspn(where, "\n"), where);
    } else {
        *err = xasprintf("%s: %s", what, m);
    }
    free(m);
    PQclear(r);
    return NULL;
}

static int exec_sql(PGconn *c, const char *sql, const char *what, char **err)
{
    PGresult *r = run_sql(c, sql, 0, NULL, what, err);
    PQclear(r);
    return r ? 0 : -1;
}

/* The first value of the first row (malloc'd; "" for NULL), or NULL with *err. */
static char *sql_value(PGconn *c, const char *sql, const char *what, char **err)
{
    PGresult *r = run_sql(c, sql, 0, NULL, what, err);
    if (!r)
        return NULL;
    char *v = xstrdup(PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return v;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects as the superuser over TCP with the password initdb was given. */
static PGconn *connect_superuser(int port, const char *password, const char *db, char **err)
{
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    const char *keys[] = {"host",    "port",       "dbname",          "user",
                          "password", "sslmode",    "gssencmode",      "connect_timeout",
                          "options", "application_name", NULL};
    const char *values[] = {"127.0.0.1", p,         db,   "postgres", password, "disable",
                            "disable",   "10",      "",   "pgward stage up", NULL};
    PGconn *c = PQconnectdbParams(keys, values, 0);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char *m = conn_error_message(c, NULL);
        *err = xasprintf("cannot connect to the new server as postgres: %s", m);
        free(m);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL); /* "already exists, skipping" */
    return c;
}

/* A random password: 24 bytes from OpenSSL as URL-safe base64 (32 characters, no
   quote, backslash or space). */
static int random_password(char out[33])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char b[24];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return -1;
    for (size_t i = 0, k = 0; i < sizeof(b); i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (unsigned)b[i + 1] << 8 | b[i + 2];
        out[k++] = alphabet[v >> 18 & 63];
        out[k++] = alphabet[v >> 12 & 63];
        out[k++] = alphabet[v >> 6 & 63];
        out[k++] = alphabet[v & 63];
    }
    out[32] = '\0';
    OPENSSL_cleanse(b, sizeof(b));
    return 0;
}

/* ALTER ROLE role LOGIN PASSWORD '<SCRAM verifier>' [VALID UNTIL 'until']: the
   password itself never reaches the server (nor its log). */
static int set_password(PGconn *c, const char *role, const char *password, const char *until,
                        char **err)
{
    char *verifier = PQencryptPasswordConn(c, password, role, "scram-sha-256");
    if (!verifier) {
        char *m = conn_error_message(c, NULL);
        *err = xasprintf("cannot compute the SCRAM verifier of %s: %s", role, m);
        free(m);
        return -1;
    }
    char *lit = PQescapeLiteral(c, verifier, strlen(verifier));
    char *until_lit = until ? PQescapeLiteral(c, until, strlen(until)) : NULL;
    PQfreemem(verifier);
    if (!lit || (until && !until_lit)) {
        PQfreemem(lit);
        PQfreemem(until_lit);
        *err = xasprintf("cannot quote the verifier of %s", role);
        return -1;
    }
    char *sql = xasprintf("ALTER ROLE %s LOGIN PASSWORD %s%s%s", role, lit,
                          until_lit ? " VALID UNTIL " : "", until_lit ? until_lit : "");
    char *what = xasprintf("setting the password of %s", role);
    int rc = exec_sql(c, sql, what, err);
    free(what);
    free(sql);
    PQfreemem(lit);
    PQfreemem(until_lit);
    return rc;
}

/* ------------------------------------------------------------------ evidence */

typedef struct evidence {
    char *version;       /* version() */
    char *short_version; /* "15.8" */
    char *database, *user, *row_security; /* as the automation role */
    char *schemas;                        /* "audit, eng, vh, views" */
    strbuf grants;                        /* lines: "eng.t  INSERT, SELECT" */
    strbuf bootstrap;                     /* lines: "item  healthy  set up at" */
    bool unhealthy;
} evidence;

static void evidence_free(evidence *e)
{
    free(e->version);
    free(e->short_version);
    free(e->database);
    free(e->user);
    free(e->row_security);
    free(e->schemas);
    sb_free(&e->grants);
    sb_free(&e->bootstrap);
}

/* $1: the automation role; $2: the families' schemas (text[]). */
static const char GRANTS_SQL[] =
    "SELECT table_schema || '.' || table_name,"
    "       string_agg(privilege_type, ', ' ORDER BY privilege_type)"
    "  FROM information_schema.role_table_grants"
    " WHERE grantee = $1 AND table_schema = ANY ($2::text[])"
    " GROUP BY table_schema, table_name ORDER BY 1";

static const char SCHEMA_PRIVS_SQL[] =
    "SELECT s, concat_ws(', ', CASE WHEN has_schema_privilege($1, s, 'USAGE')"
    "                          THEN 'USAGE' END,"
    "                     CASE WHEN has_schema_privilege($1, s, 'CREATE')"
    "                          THEN 'CREATE' END)"
    "  FROM unnest($2::text[]) AS s WHERE to_regnamespace(s) IS NOT NULL ORDER BY 1";

/* A PostgreSQL array literal {"a","b"} of names. */
static char *array_literal(const char *const *names, size_t n)
{
    strbuf sb = {0};
    sb_addc(&sb, '{');
    for (size_t i = 0; i < n; i++) {
        sb_adds(&sb, i ? ",\"" : "\"");
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_addc(&sb, '\\');
            sb_addc(&sb, *p);
        }
        sb_addc(&sb, '"');
    }
    sb_addc(&sb, '}');
    return sb_detach(&sb, NULL);
}

static const char BOOTSTRAP_SQL[] =
    "SELECT item, CASE healthy WHEN true THEN 'yes' WHEN false THEN 'NO' ELSE '?' END,"
    "       to_char(set_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || 'Z'"
    "  FROM audit.bootstrap_status";

/* Collects the evidence: what is about the automation role through its own
   connection, the rest through the admin's. */
static int collect_evidence(const policy *p, PGconn *admin, PGconn *codex, evidence *e,
                            char **err)
{
    memset(e, 0, sizeof(*e));
    int v = PQserverVersion(admin);
    e->short_version = xasprintf("%d.%d", v / 10000, v % 10000);
    if (!(e->version = sql_value(admin, "SELECT version()", "version()", err)))
        return -1;
    PGresult *r = run_sql(codex, "SELECT current_database(), current_user", 0, NULL,
                          "current_database(), current_user as the automation role", err);
    if (!r)
        return -1;
    e->database = xstrdup(PQgetvalue(r, 0, 0));
    e->user = xstrdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!(e->row_security = sql_value(codex, "SHOW row_security", "SHOW row_security", err)))
        return -1;
    size_t nall, nfam = 0;
    const char **all = provision_schemas(p, &nall);
    const char **fam = xcalloc(nall ? nall : 1, sizeof(char *));
    for (size_t i = 0; i < nall; i++)
        if (policy_family_of(p, all[i]))
            fam[nfam++] = all[i];
    char *all_text = array_literal(all, nall), *fam_text = array_literal(fam, nfam);
    free(all);
    free(fam);
    const char *automation = policy_automation_role(p)->name;
    const char *sp[] = {all_text}, *gp[] = {automation, fam_text};
    r = run_sql(admin,
                "SELECT coalesce(string_agg(schema_name, ', ' ORDER BY schema_name), '')"
                "  FROM information_schema.schemata WHERE schema_name = ANY ($1::text[])",
                1, sp, "the schemas", err);
    if (r) {
        e->schemas = xstrdup(PQgetvalue(r, 0, 0));
        PQclear(r);
        r = run_sql(admin, SCHEMA_PRIVS_SQL, 2, gp, "the automation role's schema privileges",
                    err);
    }
    if (!r) {
        free(all_text);
        free(fam_text);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        sb_addf(&e->grants, "schema %s: %s\n", PQgetvalue(r, i, 0),
                *PQgetvalue(r, i, 1) ? PQgetvalue(r, i, 1) : "none");
    PQclear(r);
    r = run_sql(admin, GRANTS_SQL, 2, gp, "the automation role's grants", err);
    free(all_text);
    free(fam_text);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        sb_addf(&e->grants, "%s: %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    if (!(r = run_sql(admin, BOOTSTRAP_SQL, 0, NULL, "audit.bootstrap_status", err)))
        return -1;
    int width = 4;
    for (int i = 0; i < PQntuples(r); i++)
        if ((int)strlen(PQgetvalue(r, i, 0)) > width)
            width = (int)strlen(PQgetvalue(r, i, 0));
    sb_addf(&e->bootstrap, "%-*s  %-7s  %s\n", width, "item", "healthy", "set up at");
    for (int i = 0; i < PQntuples(r); i++) {
        sb_addf(&e->bootstrap, "%-*s  %-7s  %s\n", width, PQgetvalue(r, i, 0),
                PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (strcmp(PQgetvalue(r, i, 1), "yes") != 0)
            e->unhealthy = true;
    }
    PQclear(r);
    return 0;
}

/* Prints "  label:  first line" and the other lines aligned under it. */
static void print_block(FILE *out, const char *label, const char *text)
{
    const char *p = text && *text ? text : "none\n";
    bool first = true;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "  %-18s %.*s\n", first ? label : "", (int)n, p);
        first = false;
        p += n + (p[n] == '\n');
    }
}

static void print_evidence(stage *s, const evidence *e, const marker *m)
{
    FILE *out = s->o->out;
    fprintf(out, "stage up: PostgreSQL %s on 127.0.0.1:%d, database %s (%s)\n",
            e->short_version, m->port, m->database, s->shown);
    print_block(out, "version():", e->version);
    print_block(out, "current_database:", e->database);
    print_block(out, "current_user:", e->user);
    print_block(out, "row_security:", e->row_security);
    print_block(out, "schemas:", e->schemas);
    print_block(out, "codex grants:", e->grants.buf);
    print_block(out, "bootstrap_status:", e->bootstrap.buf);
    char left[32];
    format_left(m->ttl_seconds, left, sizeof(left));
    fprintf(out, "env files (mode 0600; the passwords are in them, never printed):\n");
    fprintf(out, "  %s    %s\n", s->shown_env_admin, m->admin);
    fprintf(out, "  %s  %s, valid until %s (%s)\n", s->shown_env_staging, m->automation,
            m->expires, left);
    fprintf(out, "use: pgward apply --env-file %s BUNDLE\n", s->shown_env_staging);
    if (e->unhealthy)
        fprintf(s->o->err, "pgward: warning: audit.bootstrap_status reports an item that "
                           "is not healthy\n");
}

/* ------------------------------------------------------------------ up */

/* postgresql.conf's quoting: '...' with '' and \\ for a quote and a backslash. */
static void conf_quoted(strbuf *sb, const char *v)
{
    sb_addc(sb, '\'');
    for (; *v; v++) {
        if (*v == '\'' || *v == '\\')
            sb_addc(sb, *v);
        sb_addc(sb, *v);
    }
    sb_addc(sb, '\'');
}

static int append_config(stage *s, int port)
{
    strbuf c = {0};
    sb_adds(&c, "\n# pgward stage: loopback only, and the logging the audit trail asks for\n");
    sb_adds(&c, "listen_addresses = '127.0.0.1'\n");
    sb_addf(&c, "port = %d\n", port);
    sb_adds(&c, "unix_socket_directories = ");
    conf_quoted(&c, s->no_socket ? "" : s->run);
    sb_adds(&c, "\nlc_messages = 'C'\n"
                "password_encryption = 'scram-sha-256'\n"
                "log_connections = on\n"
                "log_disconnections = on\n"
                "log_statement = 'ddl'\n"
                "log_line_prefix = '%m [%p] %u@%d '\n"
                "row_security = on\n");
    char *path = xasprintf("%s/postgresql.conf", s->data);
    int rc = 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || write(fd, c.buf, c.len) != (ssize_t)c.len)
        rc = fail(s, "cannot write '%s': %s", path, strerror(errno));
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = fail(s, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    sb_free(&c);
    return rc;
}

/* A path the server is given goes through pg_ctl's shell command line and
   postgresql.conf: refuse characters that would change its meaning there. */
static int check_path_text(stage *s)
{
    const char *bad = strpbrk(s->dir, "\"$`\\\n\r");
    if (bad)
        return fail(s, "the stage folder '%s' holds a character pgward does not pass to the "
                       "server ('%c'); choose another --dir",
                    s->shown, *bad == '\n' || *bad == '\r' ? ' ' : *bad);
    /* sun_path holds the socket "DIR/run/.s.PGSQL.PORT" and its NUL */
    struct sockaddr_un un;
    s->no_socket = strlen(s->run) + strlen("/.s.PGSQL.65535") >= sizeof(un.sun_path);
    return 0;
}

static int initdb(stage *s, const char *superuser_pw)
{
    char *body = xasprintf("%s\n", superuser_pw);
    int rc = write_new_file(s, s->pwfile, 0600, true, body);
    OPENSSL_cleanse(body, strlen(body));
    free(body);
    if (rc < 0)
        return -1;
    char *prog = xasprintf("%s/initdb", s->bindir);
    char *pwopt = xasprintf("--pwfile=%s", s->pwfile);
    const char *argv[] = {prog, "-D", s->data, "-U", "postgres", "--auth=scram-sha-256", pwopt,
                          "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions", NULL};
    strbuf out = {0};
    int st = run_program(s, argv, true, &out);
    unlink(s->pwfile); /* the superuser password is no longer on disk */
    if (st != 0 && !caught_signal) {
        char *t = tail_lines(out.buf ? out.buf : "", out.len, 15);
        rc = fail(s, "initdb failed:");
        print_indented(s, t);
        free(t);
    }
    if (st != 0)
        rc = -1;
    sb_free(&out);
    free(prog);
    free(pwopt);
    return rc;
}

static int start_server(stage *s, int port)
{
    const char *args[] = {"start", "-D", s->data, "-w", "-t", PG_START_TIMEOUT, "-l", s->log,
                          NULL};
    strbuf out = {0};
    s->started = true;
    int st = pg_ctl(s, args, &out);
    int rc = 0;
    if (st != 0 && !caught_signal) {
        char *t = file_tail(s->log, 12);
        if (strstr(t, "could not bind") || strstr(t, "Address already in use"))
            rc = fail(s, "port %d on 127.0.0.1 is in use (another server?); choose another "
                         "with --port",
                      port);
        else {
            rc = fail(s, "the server did not start (%s):", s->shown);
            print_indented(s, *t ? t : (out.buf ? out.buf : ""));
        }
        free(t);
    }
    if (st != 0)
        rc = -1;
    sb_free(&out);
    return rc;
}

/*
 * Fault injection for the integration tests: PGWARD_TEST_FAULT=stage-started
 * raises SIGTERM right after the server started, the one moment a test cannot time
 * from outside (up takes well under a second).
 */
static void fault_point(const char *point)
{
    const char *f = getenv("PGWARD_TEST_FAULT");
    if (f && strcmp(f, point) == 0)
        raise(SIGTERM);
}

static char *env_file_text(stage *s, const char *role, int port, const char *password,
                           const char *expires)
{
    strbuf t = {0};
    sb_addf(&t, "# pgward stage: %s on the staging PostgreSQL of %s\n", role, s->dir);
    if (expires)
        sb_addf(&t, "# the password expires at %s (pgward stage status)\n", expires);
    sb_addf(&t, "PGHOST=127.0.0.1\nPGPORT=%d\nPGDATABASE=%s\nPGUSER=%s\nPGPASSWORD='%s'\n",
            port, STAGE_DATABASE, role, password);
    return sb_detach(&t, NULL);
}

/* Connects through an env file, as `--env-file` would. */
static PGconn *connect_env_file(const char *path, char **err)
{
    conn_params p = {0};
    PGconn *c = NULL;
    if (conn_params_read_env_file(path, &p, err) == 0) {
        char *e = NULL;
        c = conn_open(&p, NULL, "pgward stage up", &e);
        if (!c) {
            *err = xasprintf("cannot connect with '%s': %s", path, e);
            free(e);
        }
    }
    conn_params_free(&p);
    return c;
}

/* Steps 4-8 of up (see the top of this file); s->started says whether to stop. */
static stage_result create_stage(stage *s, marker *m)
{
    const stage_opts *o = s->o;
    char superuser_pw[33], admin_pw[33], codex_pw[33];
    PGconn *c = NULL, *admin = NULL, *codex = NULL;
    char *err = NULL, *until = NULL;
    evidence ev;
    memset(&ev, 0, sizeof(ev));
    int rc = -1;
    if (port_in_use(o->port)) {
        fail(s, "port %d on 127.0.0.1 is in use (another server?); choose another with --port",
             o->port);
        goto done;
    }
    if (check_path_text(s) < 0 || postgres_can_reach(s) < 0)
        goto done;
    char created[32];
    iso_utc(time(NULL), created);
    m->port = o->port;
    m->ttl_seconds = o->ttl_seconds;
    const char *role_admin = policy_owner_role(o->policy)->name;
    const char *role_codex = policy_automation_role(o->policy)->name;
    m->admin = xstrdup(role_admin);
    m->automation = xstrdup(role_codex);
    m->bindir = xstrdup(s->bindir);
    m->created = xstrdup(created);
    m->database = xstrdup(STAGE_DATABASE);
    if (write_marker(s, m) < 0 || make_server_dir(s, s->data, 0700) < 0 ||
        make_server_dir(s, s->run, 0755) < 0 || write_new_file(s, s->log, 0640, true, "") < 0)
        goto done;
    if (random_password(superuser_pw) < 0 || random_password(admin_pw) < 0 ||
        random_password(codex_pw) < 0) {
        fail(s, "cannot get random bytes from OpenSSL for the passwords");
        goto done;
    }
    if (caught_signal || initdb(s, superuser_pw) < 0 || caught_signal ||
        append_config(s, o->port) < 0 || start_server(s, o->port) < 0)
        goto done;
    fault_point("stage-started");
    if (caught_signal)
        goto done;

    /* the database, the audit trail, the bootstrap, the passwords */
    if (!(c = connect_superuser(o->port, superuser_pw, "postgres", &err)) ||
        exec_sql(c, "CREATE DATABASE " STAGE_DATABASE, "CREATE DATABASE", &err) < 0)
        goto sql_failed;
    PQfinish(c);
    char *setup = provision_sql(o->policy);
    c = connect_superuser(o->port, superuser_pw, STAGE_DATABASE, &err);
    int setup_rc = c ? exec_sql(c, setup, "the setup script of the policy", &err) : -1;
    free(setup);
    if (setup_rc < 0)
        goto sql_failed;
    char ttl[32];
    snprintf(ttl, sizeof(ttl), "%ld", o->ttl_seconds);
    const char *params[] = {ttl};
    PGresult *r = run_sql(c,
                          "SELECT to_char(date_trunc('second', now() + make_interval("
                          "secs => $1::float8 + 0.999999)) AT TIME ZONE 'UTC',"
                          " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                          1, params, "computing the expiry", &err);
    if (!r)
        goto sql_failed;
    until = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (set_password(c, role_admin, admin_pw, NULL, &err) < 0 ||
        set_password(c, role_codex, codex_pw, until, &err) < 0)
        goto sql_failed;
    PQfinish(c);
    c = NULL;
    m->expires = xstrdup(until);
    if (caught_signal)
        goto done;

    /* the env files, and connecting through them */
    char *admin_text = env_file_text(s, role_admin, o->port, admin_pw, NULL);
    char *codex_text = env_file_text(s, role_codex, o->port, codex_pw, until);
    int w = write_new_file(s, s->env_admin, 0600, false, admin_text);
    if (w == 0)
        w = write_new_file(s, s->env_staging, 0600, false, codex_text);
    OPENSSL_cleanse(admin_text, strlen(admin_text));
    OPENSSL_cleanse(codex_text, strlen(codex_text));
    free(admin_text);
    free(codex_text);
    if (w < 0)
        goto done;
    if (!(admin = connect_env_file(s->env_admin, &err)) ||
        !(codex = connect_env_file(s->env_staging, &err)) ||
        collect_evidence(o->policy, admin, codex, &ev, &err) < 0)
        goto sql_failed;
    m->ready = true;
    if (write_marker(s, m) < 0)
        goto done;
    print_evidence(s, &ev, m);
    rc = 0;
    goto done;

sql_failed:
    fail(s, "%s", err ? err : "database error");
    {
        char *t = file_tail(s->log, 8);
        if (*t) {
            fprintf(o->err, "server.log ends with:\n");
            print_indented(s, t);
        }
        free(t);
    }
done:
    OPENSSL_cleanse(superuser_pw, sizeof(superuser_pw));
    OPENSSL_cleanse(admin_pw, sizeof(admin_pw));
    OPENSSL_cleanse(codex_pw, sizeof(codex_pw));
    PQfinish(c);
    PQfinish(admin);
    PQfinish(codex);
    free(err);
    free(until);
    evidence_free(&ev);
    if (rc == 0)
        return STAGE_DONE;
    return caught_signal ? STAGE_INTERRUPTED : STAGE_FAILED;
}

/* Undoes a failed up: the server stopped, the folder and the parents made removed. */
static void undo_up(stage *s)
{
    if (s->started && stop_server(s) < 0)
        return; /* a server still runs: keep its folder (and marker) for `down` */
    if (remove_stage_dir(s, s->dir_made) == 0)
        remove_made_parents(s);
}

static stage_result up(stage *s)
{
    const stage_opts *o = s->o;
    if (find_postgres_user(s) < 0 || find_bindir(s, NULL) < 0)
        return STAGE_FAILED;
    int locked = lock_stage(s, true);
    if (locked <= 0)
        return STAGE_FAILED;
    marker m = {0};
    int has = read_marker(s, &m);
    if (has < 0)
        return STAGE_FAILED;
    stage_result r;
    if (has > 0) {
        long pid;
        if (stage_running(s, m.port)) {
            if (!m.ready) {
                fail(s, "the stage in '%s' is incomplete (being set up, or setup did not "
                        "finish); 'pgward stage down' removes it",
                     s->shown);
                r = STAGE_FAILED;
            } else {
                fprintf(o->out, "stage up: already running in '%s'; nothing changed\n",
                        s->shown);
                fprintf(o->out, "stage '%s': running on 127.0.0.1:%d\n", s->shown, m.port);
                print_status_lines(s, &m, true);
                r = STAGE_DONE;
            }
            marker_free(&m);
            return r;
        }
        if ((pid = postmaster_pid(s)) != 0) {
            fail(s, "the server of the stage in '%s' (pid %ld) runs but does not answer on "
                    "127.0.0.1:%d; 'pgward stage down' stops and removes it",
                 s->shown, pid, m.port);
            marker_free(&m);
            return STAGE_FAILED;
        }
        fprintf(o->out, "stage up: the stage in '%s' is stale (nothing answers on "
                        "127.0.0.1:%d): removing it\n",
                s->shown, m.port);
        marker_free(&m);
        if (remove_stage_dir(s, false) < 0)
            return STAGE_FAILED;
        s->dir_made = true; /* what was there was ours */
    } else if (!dir_is_empty(s->dir)) {
        fail(s, "'%s' exists and is not a pgward stage (no " MARKER_NAME "); left untouched",
             s->shown);
        return STAGE_FAILED;
    }
    r = create_stage(s, &m);
    marker_free(&m);
    if (r != STAGE_DONE) {
        if (r == STAGE_INTERRUPTED)
            fprintf(o->err, "pgward: interrupted by signal %d: removing the half-made stage\n",
                    (int)caught_signal);
        undo_up(s);
    }
    return r;
}

stage_result stage_up(const stage_opts *o)
{
    if (!o->policy || !policy_owner_role(o->policy) || !policy_automation_role(o->policy)) {
        fprintf(o->err, "pgward: policy '%s' has no %s: a stage needs one to %s\n",
                o->policy ? o->policy->name : "?",
                o->policy && policy_owner_role(o->policy)
                    ? "automation role (a default role, or a role with a lifetime)"
                    : "unrestricted role",
                o->policy && policy_owner_role(o->policy) ? "hand credentials to"
                                                          : "own its schemas");
        return STAGE_FAILED;
    }
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    caught_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    stage s;
    stage_init(&s, o);
    stage_result r = up(&s);
    stage_free(&s);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return r;
}
