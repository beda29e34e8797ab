/*
 * instance.c: one stage being worked on: its paths, its lifetime, how a step
 * reports failure, and the signal flag that makes up stop and clean up. Every
 * other file of the stage builds on this one; see instance.h.
 *
 * The signal flag is the one piece of global state, as a signal handler needs it.
 */
#include "stage/instance.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

static volatile sig_atomic_t caught_signal;

void stage_on_signal(int sig)
{
    caught_signal = sig;
}

void stage_signal_reset(void)
{
    caught_signal = 0;
}

int stage_signal(void)
{
    return caught_signal;
}

int stage_fail(stage *s, const char *fmt, ...)
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

static void free_paths(stage *s)
{
    free(s->dir);
    free(s->data);
    free(s->run);
    free(s->log);
    free(s->marker);
    free(s->pwfile);
    free(s->env_admin);
    free(s->env_staging);
}

/* Sets every path from dir (absolute). */
void stage_set_paths(stage *s, char *dir)
{
    free_paths(s);
    s->dir = dir;
    s->data = xasprintf("%s/data", dir);
    s->run = xasprintf("%s/run", dir);
    s->log = xasprintf("%s/server.log", dir);
    s->marker = xasprintf("%s/" MARKER_NAME, dir);
    s->pwfile = xasprintf("%s/.pwfile", dir);
    s->env_admin = xasprintf("%s/.env.admin", dir);
    s->env_staging = xasprintf("%s/.env.staging", dir);
}

const char *stage_default_dir(void)
{
    const char *env = getenv("PGWARD_STAGE_DIR");
    return env && *env ? env : ".pgward/stage";
}

void stage_init(stage *s, const stage_opts *o)
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
    stage_set_paths(s, dir);
}

void stage_free(stage *s)
{
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free_paths(s);
    free(s->shown_env_admin);
    free(s->shown_env_staging);
    free(s->bindir);
    free(s->pg_home);
    for (size_t i = 0; i < s->ncreated; i++)
        free(s->created[i]);
    free(s->created);
}

/* ------------------------------------------------------------------ status */

void stage_format_left(long secs, char *out, size_t n)
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
