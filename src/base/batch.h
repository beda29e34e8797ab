/*
 * batch.h: run independent pieces of work on worker threads and take their results
 * in order.
 *
 * batch_run() runs work(ctx, i) for i = 0 .. n-1 on up to `jobs` threads (each
 * takes the next i) and calls done(ctx, i, result) on the calling thread for 0, 1,
 * 2, ..., so output is the same whatever the number of jobs. At most 2 * jobs
 * results wait to be taken, which bounds memory on large trees. work must touch no
 * shared state but its own i (done may: it runs on one thread only).
 *
 *   batch_run(nfiles, jobs, lint_one, print_one, &run);
 */
#ifndef PGWARD_BATCH_H
#define PGWARD_BATCH_H

#include <stddef.h>

typedef void *(*batch_work)(void *ctx, size_t i);
typedef void (*batch_done)(void *ctx, size_t i, void *result);

/* Runs the work with up to jobs threads (1: all on the caller's thread). */
void batch_run(size_t n, int jobs, batch_work work, batch_done done, void *ctx);

/* A sensible default for --jobs: the online processors, at most 8. */
int batch_default_jobs(void);

#endif
