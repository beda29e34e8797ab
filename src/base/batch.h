/*
 * batch.h: read many scripts on worker threads and hand them back in order.
 *
 * Reading a script (scan, interpret, parse every statement) touches no global
 * state, so files are independent. batch_read() runs `jobs` workers, each taking
 * the next file, and calls sink() on the calling thread for file 0, 1, 2, ... so
 * output is the same whatever the number of jobs. At most 2 * jobs scripts are held
 * at once, which bounds memory on large trees.
 */
#ifndef PGWARD_BATCH_H
#define PGWARD_BATCH_H

#include <stddef.h>

#include "script/script.h"

/* Receives script i (owned by the sink: it must script_free() it). */
typedef void (*script_sink)(size_t index, script *s, void *ctx);

/* Reads paths[0..n) with up to jobs threads (1 = on the caller's thread). */
void batch_read(char *const *paths, size_t n, const script_options *opt, int jobs,
                script_sink sink, void *ctx);

/* A sensible default for --jobs: the online processors, at most 8. */
int batch_default_jobs(void);

#endif
