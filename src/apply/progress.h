/*
 * progress.h: apply's progress line on a terminal and the run's timing
 * (progress.c). The line: the file, the statements done of the total, the time
 * since the run began and the rate, redrawn in place at most every 100 ms, from
 * the statement loop itself (no timer, no thread); nothing is drawn when its
 * stream is NULL (not a terminal, or --quiet). The timing, kept either way: the
 * statements' durations added up and the slowest ones (a dry run reports them).
 */
#ifndef PGWARD_APPLY_PROGRESS_H
#define PGWARD_APPLY_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PROGRESS_SLOWEST 3

typedef struct apply_progress {
    FILE *tty;        /* where the line goes, or NULL: no progress */
    double t0;        /* the run's start (ms, monotonic) */
    double drawn_at;  /* when the line was last drawn (ms), or 0 */
    bool shown;       /* a line is on the terminal now */
    size_t done, total;
    /* timing of the statements answered */
    double statement_ms;      /* their durations added up */
    size_t timed;             /* how many */
    struct {
        char *file;           /* NULL: empty slot */
        int line;
        double ms;
    } slowest[PROGRESS_SLOWEST]; /* the slowest first */
} apply_progress;

/* Starts counting total statements; tty NULL turns progress off. */
void progress_begin(apply_progress *p, FILE *tty, size_t total);
/* One more statement answered, at file:line after ms: counted in the timing;
   redraws the line when 100 ms passed since the last drawing (or nothing is
   shown). */
void progress_step(apply_progress *p, const char *file, int line, double ms);
/* Erases the line (before other output to the terminal); the next step redraws. */
void progress_clear(apply_progress *p);
/* "a.sql:3 (12.0 ms), b.sql:1 (2.1 ms)": the slowest statements (malloc'd). */
char *progress_slowest_text(const apply_progress *p);
/* Frees the timing's names. */
void progress_free(apply_progress *p);

#endif
