/*
 * progress.c: apply's progress line on a terminal; see progress.h.
 */
#include "apply/progress.h"

#include <string.h>

#include "apply/applier.h"
#include "base/text.h"
#include "base/util.h"

#define REDRAW_MS 100.0

void progress_begin(apply_progress *p, FILE *tty, size_t total)
{
    memset(p, 0, sizeof(*p));
    p->tty = tty;
    p->total = total;
    p->t0 = apply_now_ms();
}

void progress_step(apply_progress *p, const char *file)
{
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
