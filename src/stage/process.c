/*
 * process.c: the stage's cluster as processes: the PostgreSQL binaries and the
 * postgres OS user, children run as that user (a forked child drops to its uid,
 * gid and groups before exec, as `runuser -u postgres --` does, without needing
 * runuser or PAM), initdb, postgresql.conf, pg_ctl start and stop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <dirent.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "conn/conn.h"
#include "policy/query.h"
#include "stage/provision.h"

#include "stage/instance.h"

/* ------------------------------------------------------------------ processes */

/* Finds the postgres OS user when running as root. */
int stage_find_postgres_user(stage *s)
{
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam("postgres");
    if (!pw)
        return stage_fail(s, "running as root, but there is no 'postgres' OS user to run the "
                       "server as (apt-get install postgresql-15 creates it)");
    s->as_postgres = true;
    s->pg_uid = pw->pw_uid;
    s->pg_gid = pw->pw_gid;
    s->pg_home = xstrdup(pw->pw_dir ? pw->pw_dir : "/");
    return 0;
}

/* In a forked child: becomes the postgres OS user. Returns -1 on failure. */
int stage_child_become_postgres(const stage *s)
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
        if (as_pg && s->as_postgres && stage_child_become_postgres(s) < 0) {
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

char *stage_file_tail(const char *path, int max)
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
void stage_print_indented(stage *s, const char *text)
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
int stage_find_bindir(stage *s, const char *preferred)
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
        rc = stage_fail(s, "PostgreSQL 15 server binaries (initdb, pg_ctl, postgres) not found in: "
                     "%s%s; apt-get install postgresql-15 (or set PG_BINDIR)",
                  tried.buf, seen.buf ? seen.buf : "");
    for (size_t i = 0; i < n; i++)
        free(cands[i]);
    sb_free(&seen);
    sb_free(&tried);
    return rc;
}

/* Runs pg_ctl with args as the server's user; output in *out. */
int stage_pg_ctl(stage *s, const char *const args[], strbuf *out)
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

int stage_append_config(stage *s, int port)
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
        rc = stage_fail(s, "cannot write '%s': %s", path, strerror(errno));
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = stage_fail(s, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    sb_free(&c);
    return rc;
}

/* A path the server is given goes through pg_ctl's shell command line and
   postgresql.conf: refuse characters that would change its meaning there. */
int stage_check_path_text(stage *s)
{
    const char *bad = strpbrk(s->dir, "\"$`\\\n\r");
    if (bad)
        return stage_fail(s, "the stage folder '%s' holds a character pgward does not pass to the "
                       "server ('%c'); choose another --dir",
                    s->shown, *bad == '\n' || *bad == '\r' ? ' ' : *bad);
    /* sun_path holds the socket "DIR/run/.s.PGSQL.PORT" and its NUL */
    struct sockaddr_un un;
    s->no_socket = strlen(s->run) + strlen("/.s.PGSQL.65535") >= sizeof(un.sun_path);
    return 0;
}

int stage_initdb(stage *s, const char *superuser_pw)
{
    char *body = xasprintf("%s\n", superuser_pw);
    int rc = stage_write_new_file(s, s->pwfile, 0600, true, body);
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
    if (st != 0 && !stage_signal()) {
        char *t = tail_lines(out.buf ? out.buf : "", out.len, 15);
        rc = stage_fail(s, "initdb failed:");
        stage_print_indented(s, t);
        free(t);
    }
    if (st != 0)
        rc = -1;
    sb_free(&out);
    free(prog);
    free(pwopt);
    return rc;
}

int stage_start_server(stage *s, int port)
{
    const char *args[] = {"start", "-D", s->data, "-w", "-t", PG_START_TIMEOUT, "-l", s->log,
                          NULL};
    strbuf out = {0};
    s->started = true;
    int st = stage_pg_ctl(s, args, &out);
    int rc = 0;
    if (st != 0 && !stage_signal()) {
        char *t = stage_file_tail(s->log, 12);
        if (strstr(t, "could not bind") || strstr(t, "Address already in use"))
            rc = stage_fail(s, "port %d on 127.0.0.1 is in use (another server?); choose another "
                         "with --port",
                      port);
        else {
            rc = stage_fail(s, "the server did not start (%s):", s->shown);
            stage_print_indented(s, *t ? t : (out.buf ? out.buf : ""));
        }
        free(t);
    }
    if (st != 0)
        rc = -1;
    sb_free(&out);
    return rc;
}

/*
 * Whether the postgres OS user can reach DIR: a forked child becomes that user and
 * tries to enter every folder on the way; the first it cannot enter is named.
 */
int stage_postgres_can_reach(stage *s)
{
    if (!s->as_postgres)
        return 0;
    fflush(s->o->out);
    fflush(s->o->err);
    pid_t pid = fork();
    if (pid < 0)
        return stage_fail(s, "cannot fork: %s", strerror(errno));
    if (pid == 0) {
        if (stage_child_become_postgres(s) < 0)
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
            return stage_fail(s, "cannot wait for a child: %s", strerror(errno));
    int k = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    if (k == 0)
        return 0;
    if (k == 255)
        return stage_fail(s, "cannot switch to the postgres OS user to check '%s'", s->shown);
    char *p = xstrdup(s->dir);
    int seen = 0;
    for (char *c = p + 1; *c; c++)
        if (*c == '/' && ++seen == k) {
            *c = '\0';
            break;
        }
    stage_fail(s, "the postgres OS user, which runs the server, cannot reach '%s': it may not "
            "enter '%s'; choose a --dir it can reach (e.g. under /tmp)",
         s->shown, p);
    free(p);
    return -1;
}

