/*
 * folder.c: the stage folder: its lock, the folders and files made in it (and
 * removed again on failure), whether the postgres OS user can reach it, the
 * server's pid and port, and the marker DIR/stage.json that makes it a stage.
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

/* ------------------------------------------------------------------ the folder */

/* Whether a process runs as the postmaster of DIR/data: its pid, else 0. */
long stage_postmaster_pid(const stage *s)
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
bool stage_running(const stage *s, int port)
{
    return stage_postmaster_pid(s) != 0 && server_answers(port);
}

/* Whether something listens on 127.0.0.1:port (binding fails as it would for
   the server, which also sets SO_REUSEADDR). */
bool stage_port_in_use(int port)
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
int stage_remove_dir(stage *s, bool remove_dir)
{
    int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : stage_fail(s, "cannot open '%s': %s", s->shown, strerror(errno));
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
        return stage_fail(s, "cannot remove '%s': %s", s->shown, strerror(saved));
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
            rc = stage_fail(s, "cannot create '%s': %s", p, strerror(errno));
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
void stage_remove_made_parents(stage *s)
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
int stage_lock(stage *s, bool create)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        struct stat st;
        if (stat(s->dir, &st) < 0) {
            if (errno != ENOENT)
                return stage_fail(s, "cannot read '%s': %s", s->shown, strerror(errno));
            if (!create)
                return 0;
            if (make_dirs(s) < 0)
                return -1;
            s->dir_made = s->ncreated > 0 && strcmp(s->created[s->ncreated - 1], s->dir) == 0;
            continue;
        }
        if (!S_ISDIR(st.st_mode))
            return stage_fail(s, "'%s' exists and is not a folder", s->shown);
        int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return stage_fail(s, "cannot open '%s': %s", s->shown, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                return stage_fail(s, "another pgward stage command is working on '%s'; try again "
                               "when it is done",
                            s->shown);
            return stage_fail(s, "cannot lock '%s': %s", s->shown, strerror(e));
        }
        struct stat now;
        if (fstat(fd, &now) == 0 && stat(s->dir, &st) == 0 && now.st_dev == st.st_dev &&
            now.st_ino == st.st_ino) {
            s->lock_fd = fd;
            char *real = realpath(s->dir, NULL);
            if (real)
                stage_set_paths(s, real);
            return 1;
        }
        close(fd);
    }
    return stage_fail(s, "'%s' keeps changing under pgward; is another program using it?", s->shown);
}

bool stage_dir_is_empty(const char *path)
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

/* Creates path exclusively with mode and text (owned by postgres when chown_pg). */
int stage_write_new_file(stage *s, const char *path, mode_t mode, bool chown_pg,
                          const char *text)
{
    if (unlink(path) < 0 && errno != ENOENT)
        return stage_fail(s, "cannot remove the old '%s': %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return stage_fail(s, "cannot create '%s': %s", path, strerror(errno));
    int rc = 0;
    if (fchmod(fd, mode) < 0 || (chown_pg && s->as_postgres &&
                                 fchown(fd, s->pg_uid, s->pg_gid) < 0))
        rc = stage_fail(s, "cannot set the owner or mode of '%s': %s", path, strerror(errno));
    size_t len = strlen(text), done = 0;
    while (rc == 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = stage_fail(s, "cannot write '%s': %s", path, strerror(errno));
        else
            done += (size_t)w;
    }
    if (close(fd) < 0 && rc == 0)
        rc = stage_fail(s, "cannot write '%s': %s", path, strerror(errno));
    return rc;
}

int stage_make_server_dir(stage *s, const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0)
        return stage_fail(s, "cannot create '%s': %s", path, strerror(errno));
    if (chmod(path, mode) < 0 || (s->as_postgres && chown(path, s->pg_uid, s->pg_gid) < 0))
        return stage_fail(s, "cannot set the owner or mode of '%s': %s", path, strerror(errno));
    return 0;
}

/* ------------------------------------------------------------------ the marker */

void stage_iso_utc(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-01-02T03:04:05Z" → seconds since the epoch, or -1. */
time_t stage_parse_iso_utc(const char *s)
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

int stage_write_marker(stage *s, const marker *m)
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
    int rc = stage_write_new_file(s, tmp, 0644, false, body);
    if (rc == 0 && rename(tmp, s->marker) < 0)
        rc = stage_fail(s, "cannot write '%s': %s", s->marker, strerror(errno));
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
int stage_read_marker(stage *s, marker *m)
{
    memset(m, 0, sizeof(*m));
    char *data = NULL, *err = NULL;
    size_t len = 0;
    struct stat st;
    if (lstat(s->marker, &st) < 0 && errno == ENOENT)
        return 0;
    if (read_whole_file(s->marker, (size_t)1 << 16, &data, &len, &err) < 0) {
        stage_fail(s, "%s", err);
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
        return stage_fail(s, "'%s/" MARKER_NAME "' is not a pgward stage marker; remove '%s' "
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
