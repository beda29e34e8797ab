/*
 * progress.c: apply's progress line on a terminal and the run's timing; see
 * progress.h.
 */
#include "apply/progress.h"

#include <stdlib.h>
#include <string.h>

#include "apply/applier.h"
#include "base/text.h"
#include "base/util.h"

#define REDRAW_MS 100.0

void progress_begin(apply_progress *p, FILE *tty, size_t total)
{
    progress_free(p);
    memset(p, 0, sizeof(*p));
    p->tty = tty;
    p->total = total;
    p->t0 = apply_now_ms();
}

/* Keeps file:line among the slowest when it is. */
static void keep_slowest(apply_progress *p, const char *file, int line, double ms)
{
    size_t at = PROGRESS_SLOWEST;
    while (at > 0 && (!p->slowest[at - 1].file || p->slowest[at - 1].ms < ms))
        at--;
    if (at == PROGRESS_SLOWEST)
        return;
    free(p->slowest[PROGRESS_SLOWEST - 1].file);
    memmove(&p->slowest[at + 1], &p->slowest[at],
            (PROGRESS_SLOWEST - 1 - at) * sizeof(p->slowest[0]));
    p->slowest[at].file = xstrdup(file);
    p->slowest[at].line = line;
    p->slowest[at].ms = ms;
}

void progress_step(apply_progress *p, const char *file, int line, double ms)
{
    p->statement_ms += ms;
    p->timed++;
    keep_slowest(p, file, line, ms);
    if (!p->tty)
        return;
    p->done++;
    double now = apply_now_ms();
    if (p->shown && now - p->drawn_at < REDRAW_MS)
        return;
    /* the total counts what was read; a run-time branch may run fewer or more */
    if (p->done > p->total)
        p->total = p->done;
    double secs = (now - p->t0) / 1000.0;
    /* a file's name comes from the bundle: shown, not obeyed (text.h) */
    strbuf name = {0};
    text_escape(&name, file, strlen(file), false, 0);
    fprintf(p->tty, "\r\033[Kpgward apply: %s: %zu/%zu statements, %.1f s, %.1f/s",
            name.buf, p->done, p->total, secs, secs > 0 ? (double)p->done / secs : 0.0);
    fflush(p->tty);
    sb_free(&name);
    p->drawn_at = now;
    p->shown = true;
}

void progress_clear(apply_progress *p)
{
    if (!p->tty || !p->shown)
        return;
    fputs("\r\033[K", p->tty);
    fflush(p->tty);
    p->shown = false;
}

char *progress_slowest_text(const apply_progress *p)
{
    strbuf sb = {0};
    for (size_t i = 0; i < PROGRESS_SLOWEST && p->slowest[i].file; i++) {
        strbuf name = {0};
        const char *f = p->slowest[i].file;
        text_escape(&name, f, strlen(f), false, 0);
        sb_addf(&sb, "%s%s:%d (%.1f ms)", i ? ", " : "", name.buf, p->slowest[i].line,
                p->slowest[i].ms);
        sb_free(&name);
    }
    return sb_detach(&sb, NULL);
}

void progress_free(apply_progress *p)
{
    for (size_t i = 0; i < PROGRESS_SLOWEST; i++) {
        free(p->slowest[i].file);
        p->slowest[i].file = NULL;
    }
}
