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
 * SIGINT/SIGTERM/SIGHUP during up set the signal flag (instance.c), which makes
 * up clean up and return.
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
#include "stage/instance.h"

/* ------------------------------------------------------------------ state */

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

/* "2026-01-02T03:04:05Z (7h59m left)" or "... (expired)". */
static char *validity(const marker *m)
{
    if (!m->expires)
        return xstrdup("not set (the stage is incomplete)");
    time_t t = stage_parse_iso_utc(m->expires);
    if (t < 0)
        return xstrdup(m->expires);
    long left = (long)(t - time(NULL));
    if (left <= 0)
        return xasprintf("%s (expired)", m->expires);
    char buf[32];
    stage_format_left(left, buf, sizeof(buf));
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
    int has = stage_read_marker(&s, &m);
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
    if (!stage_postmaster_pid(s))
        return 0;
    static const char *const modes[] = {"fast", "immediate"};
    strbuf out = {0};
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        sb_truncate(&out, 0);
        const char *args[] = {"stop", "-D", s->data, "-m", modes[i], "-w", "-t",
                              PG_START_TIMEOUT, NULL};
        if (stage_pg_ctl(s, args, &out) == 0 && !stage_postmaster_pid(s))
            break;
    }
    long pid = stage_postmaster_pid(s);
    int rc = 0;
    if (pid) {
        rc = stage_fail(s, "the server of '%s' (pid %ld) does not stop; left as it is", s->shown,
                  pid);
        stage_print_indented(s, out.buf ? out.buf : "");
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
    int locked = stage_lock(&s, false);
    int has = locked > 0 ? stage_read_marker(&s, &m) : locked;
    if (locked == 0 || (has == 0 && stage_dir_is_empty(s.dir))) {
        fprintf(o->out, "no stage in '%s': nothing to do\n", s.shown);
        r = STAGE_DONE;
    } else if (has == 0) {
        stage_fail(&s, "'%s' is not a pgward stage (no " MARKER_NAME "); left untouched", s.shown);
    } else if (has > 0) {
        bool running = stage_postmaster_pid(&s) != 0;
        if (running && stage_find_bindir(&s, m.bindir) < 0) {
            r = STAGE_FAILED;
        } else if (stage_find_postgres_user(&s) == 0 && (!running || stop_server(&s) == 0) &&
                   stage_remove_dir(&s, true) == 0) {
            fprintf(o->out, "stage down: %s and removed '%s'\n",
                    running ? "stopped the server" : "the server was not running", s.shown);
            r = STAGE_DONE;
        }
    }
    marker_free(&m);
    stage_free(&s);
    return r;
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
/* Says on o->steps which step of up begins, and how long up has taken so far. */
static void step(const stage *s, struct timespec t0, int n, const char *what)
{
    if (!s->o->steps)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(s->o->steps, "stage up: [%d/6 %.1f s] %s\n", n, secs, what);
    fflush(s->o->steps);
}

static stage_result create_stage(stage *s, marker *m)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const stage_opts *o = s->o;
    char superuser_pw[33], admin_pw[33], codex_pw[33];
    PGconn *c = NULL, *admin = NULL, *codex = NULL;
    char *err = NULL, *until = NULL;
    evidence ev;
    memset(&ev, 0, sizeof(ev));
    int rc = -1;
    if (stage_port_in_use(o->port)) {
        stage_fail(s, "port %d on 127.0.0.1 is in use (another server?); choose another with --port",
             o->port);
        goto done;
    }
    if (stage_check_path_text(s) < 0 || stage_postgres_can_reach(s) < 0)
        goto done;
    char created[32];
    stage_iso_utc(time(NULL), created);
    m->port = o->port;
    m->ttl_seconds = o->ttl_seconds;
    const char *role_admin = policy_owner_role(o->policy)->name;
    const char *role_codex = policy_automation_role(o->policy)->name;
    m->admin = xstrdup(role_admin);
    m->automation = xstrdup(role_codex);
    m->bindir = xstrdup(s->bindir);
    m->created = xstrdup(created);
    m->database = xstrdup(STAGE_DATABASE);
    if (stage_write_marker(s, m) < 0 || stage_make_server_dir(s, s->data, 0700) < 0 ||
        stage_make_server_dir(s, s->run, 0755) < 0 || stage_write_new_file(s, s->log, 0640, true, "") < 0)
        goto done;
    if (stage_random_password(superuser_pw) < 0 || stage_random_password(admin_pw) < 0 ||
        stage_random_password(codex_pw) < 0) {
        stage_fail(s, "cannot get random bytes from OpenSSL for the passwords");
        goto done;
    }
    step(s, t0, 1, "initialising the cluster (initdb)");
    if (stage_signal() || stage_initdb(s, superuser_pw) < 0 || stage_signal())
        goto done;
    step(s, t0, 2, "starting the server");
    if (stage_append_config(s, o->port) < 0 || stage_start_server(s, o->port) < 0)
        goto done;
    fault_point("stage-started");
    if (stage_signal())
        goto done;

    /* the database, the audit trail, the bootstrap, the passwords */
    step(s, t0, 3, "creating the database " STAGE_DATABASE);
    if (!(c = stage_connect_superuser(o->port, superuser_pw, "postgres", &err)) ||
        stage_exec_sql(c, "CREATE DATABASE " STAGE_DATABASE, "CREATE DATABASE", &err) < 0)
        goto sql_failed;
    PQfinish(c);
    step(s, t0, 4, "setting up the audit trail, roles, schemas and privileges of the policy");
    char *setup = provision_sql(o->policy);
    c = stage_connect_superuser(o->port, superuser_pw, STAGE_DATABASE, &err);
    int setup_rc = c ? stage_exec_sql(c, setup, "the setup script of the policy", &err) : -1;
    free(setup);
    if (setup_rc < 0)
        goto sql_failed;
    char ttl[32];
    snprintf(ttl, sizeof(ttl), "%ld", o->ttl_seconds);
    const char *params[] = {ttl};
    PGresult *r = stage_run_sql(c,
                          "SELECT to_char(date_trunc('second', now() + make_interval("
                          "secs => $1::float8 + 0.999999)) AT TIME ZONE 'UTC',"
                          " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                          1, params, "computing the expiry", &err);
    if (!r)
        goto sql_failed;
    until = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (stage_set_password(c, role_admin, admin_pw, NULL, &err) < 0 ||
        stage_set_password(c, role_codex, codex_pw, until, &err) < 0)
        goto sql_failed;
    PQfinish(c);
    c = NULL;
    m->expires = xstrdup(until);
    if (stage_signal())
        goto done;

    /* the env files, and connecting through them */
    step(s, t0, 5, "writing the env files");
    char *admin_text = env_file_text(s, role_admin, o->port, admin_pw, NULL);
    char *codex_text = env_file_text(s, role_codex, o->port, codex_pw, until);
    int w = stage_write_new_file(s, s->env_admin, 0600, false, admin_text);
    if (w == 0)
        w = stage_write_new_file(s, s->env_staging, 0600, false, codex_text);
    OPENSSL_cleanse(admin_text, strlen(admin_text));
    OPENSSL_cleanse(codex_text, strlen(codex_text));
    free(admin_text);
    free(codex_text);
    if (w < 0)
        goto done;
    step(s, t0, 6, "connecting through the env files and collecting the evidence");
    if (!(admin = connect_env_file(s->env_admin, &err)) ||
        !(codex = connect_env_file(s->env_staging, &err)) ||
        stage_collect_evidence(o->policy, admin, codex, &ev, &err) < 0)
        goto sql_failed;
    m->ready = true;
    if (stage_write_marker(s, m) < 0)
        goto done;
    stage_print_evidence(s, &ev, m);
    rc = 0;
    goto done;

sql_failed:
    stage_fail(s, "%s", err ? err : "database error");
    {
        char *t = stage_file_tail(s->log, 8);
        if (*t) {
            fprintf(o->err, "server.log ends with:\n");
            stage_print_indented(s, t);
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
    stage_evidence_free(&ev);
    if (rc == 0)
        return STAGE_DONE;
    return stage_signal() ? STAGE_INTERRUPTED : STAGE_FAILED;
}

/* Undoes a failed up: the server stopped, the folder and the parents made removed. */
static void undo_up(stage *s)
{
    if (s->started && stop_server(s) < 0)
        return; /* a server still runs: keep its folder (and marker) for `down` */
    if (stage_remove_dir(s, s->dir_made) == 0)
        stage_remove_made_parents(s);
}

static stage_result up(stage *s)
{
    const stage_opts *o = s->o;
    if (stage_find_postgres_user(s) < 0 || stage_find_bindir(s, NULL) < 0)
        return STAGE_FAILED;
    int locked = stage_lock(s, true);
    if (locked <= 0)
        return STAGE_FAILED;
    marker m = {0};
    int has = stage_read_marker(s, &m);
    if (has < 0)
        return STAGE_FAILED;
    stage_result r;
    if (has > 0) {
        long pid;
        if (stage_running(s, m.port)) {
            if (!m.ready) {
                stage_fail(s, "the stage in '%s' is incomplete (being set up, or setup did not "
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
        if ((pid = stage_postmaster_pid(s)) != 0) {
            stage_fail(s, "the server of the stage in '%s' (pid %ld) runs but does not answer on "
                    "127.0.0.1:%d; 'pgward stage down' stops and removes it",
                 s->shown, pid, m.port);
            marker_free(&m);
            return STAGE_FAILED;
        }
        fprintf(o->out, "stage up: the stage in '%s' is stale (nothing answers on "
                        "127.0.0.1:%d): removing it\n",
                s->shown, m.port);
        marker_free(&m);
        if (stage_remove_dir(s, false) < 0)
            return STAGE_FAILED;
        s->dir_made = true; /* what was there was ours */
    } else if (!stage_dir_is_empty(s->dir)) {
        stage_fail(s, "'%s' exists and is not a pgward stage (no " MARKER_NAME "); left untouched",
             s->shown);
        return STAGE_FAILED;
    }
    r = create_stage(s, &m);
    marker_free(&m);
    if (r != STAGE_DONE) {
        if (r == STAGE_INTERRUPTED)
            fprintf(o->err, "pgward: interrupted by signal %d: removing the half-made stage\n",
                    stage_signal());
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
    sa.sa_handler = stage_on_signal;
    sigemptyset(&sa.sa_mask);
    stage_signal_reset();
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
