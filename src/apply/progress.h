/*
 * progress.h: apply's progress line on a terminal (progress.c): the file, the
 * statements done of the total, the time since the run began and the rate,
 * redrawn in place at most every 100 ms, from the statement loop itself (no
 * timer, no thread). Everything is a no-op when the line's stream is NULL (not a
 * terminal, or --quiet).
 */
#ifndef PGWARD_APPLY_PROGRESS_H
#define PGWARD_APPLY_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct apply_progress {
    FILE *tty;        /* where the line goes, or NULL: no progress */
    double t0;        /* the run's start (ms, monotonic) */
    double drawn_at;  /* when the line was last drawn (ms), or 0 */
    bool shown;       /* a line is on the terminal now */
    size_t done, total;
} apply_progress;

/* Starts counting total statements; tty NULL turns progress off. */
void progress_begin(apply_progress *p, FILE *tty, size_t total);
/* One more statement done in file: redraws when 100 ms passed since the last
   drawing (or nothing is shown). */
void progress_step(apply_progress *p, const char *file);
/* Erases the line (before other output to the terminal); the next step redraws. */
void progress_clear(apply_progress *p);

#endif
