/*
 * batch.c: ordered parallel reading of scripts; see batch.h.
 */
#include "base/batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/util.h"

typedef struct batch {
    char *const *paths;
    size_t n;
    const script_options *opt;
    size_t window;      /* slots: scripts read but not yet consumed */
    script **slots;     /* slot i % window holds script i when ready */
    size_t next;        /* next file a worker takes */
    size_t consumed;    /* files handed to the sink so far */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} batch;

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->next < b->n && b->next >= b->consumed + b->window)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->next >= b->n) {
            pthread_mutex_unlock(&b->mu);
            return NULL;
        }
        size_t i = b->next++;
        pthread_mutex_unlock(&b->mu);

        script *s = script_read_file(b->paths[i], b->opt);

        pthread_mutex_lock(&b->mu);
        b->slots[i % b->window] = s;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
}

void batch_read(char *const *paths, size_t n, const script_options *opt, int jobs,
                script_sink sink, void *ctx)
{
    if (jobs < 1)
        jobs = 1;
    if ((size_t)jobs > n)
        jobs = n ? (int)n : 1;
    if (jobs == 1) {
        for (size_t i = 0; i < n; i++)
            sink(i, script_read_file(paths[i], opt), ctx);
        return;
    }
    batch b = {.paths = paths, .n = n, .opt = opt, .window = 2 * (size_t)jobs};
    b.slots = xcalloc(b.window, sizeof(script *));
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    pthread_t *threads = xcalloc((size_t)jobs, sizeof(pthread_t));
    int started = 0;
    for (int t = 0; t < jobs; t++) {
        if (pthread_create(&threads[t], NULL, worker, &b) != 0)
            break;
        started++;
    }
    for (size_t i = 0; i < n; i++) {
        script *s;
        if (started == 0) {
            s = script_read_file(paths[i], opt); /* no thread could start: do it here */
        } else {
            pthread_mutex_lock(&b.mu);
            while (b.slots[i % b.window] == NULL)
                pthread_cond_wait(&b.cv, &b.mu);
            s = b.slots[i % b.window];
            b.slots[i % b.window] = NULL;
            b.consumed = i + 1;
            pthread_cond_broadcast(&b.cv);
            pthread_mutex_unlock(&b.mu);
        }
        sink(i, s, ctx);
    }
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    free(b.slots);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cv);
}

int batch_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > 8 ? 8 : (int)n;
}
