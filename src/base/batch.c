/*
 * batch.c: ordered parallel work; see batch.h.
 */
#include "base/batch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/util.h"

typedef struct batch {
    size_t n;
    batch_work work;
    void *ctx;
    size_t window;      /* slots: results made but not yet taken */
    void **slots;       /* slot i % window holds result i when ready[i % window] */
    bool *ready;
    size_t next;        /* the next piece a worker takes */
    size_t taken;       /* results handed to done so far */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} batch;

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->next < b->n && b->next >= b->taken + b->window)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->next >= b->n) {
            pthread_mutex_unlock(&b->mu);
            return NULL;
        }
        size_t i = b->next++;
        pthread_mutex_unlock(&b->mu);

        void *result = b->work(b->ctx, i);

        pthread_mutex_lock(&b->mu);
        b->slots[i % b->window] = result;
        b->ready[i % b->window] = true;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
}

void batch_run(size_t n, int jobs, batch_work work, batch_done done, void *ctx)
{
    if (jobs < 1)
        jobs = 1;
    if ((size_t)jobs > n)
        jobs = n ? (int)n : 1;
    if (jobs == 1) {
        for (size_t i = 0; i < n; i++)
            done(ctx, i, work(ctx, i));
        return;
    }
    batch b = {.n = n, .work = work, .ctx = ctx, .window = 2 * (size_t)jobs};
    b.slots = xcalloc(b.window, sizeof(void *));
    b.ready = xcalloc(b.window, sizeof(bool));
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
        void *result;
        if (started == 0) {
            result = work(ctx, i); /* no thread could start: do it here */
        } else {
            pthread_mutex_lock(&b.mu);
            while (!b.ready[i % b.window])
                pthread_cond_wait(&b.cv, &b.mu);
            result = b.slots[i % b.window];
            b.ready[i % b.window] = false;
            b.taken = i + 1;
            pthread_cond_broadcast(&b.cv);
            pthread_mutex_unlock(&b.mu);
        }
        done(ctx, i, result);
    }
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    free(b.slots);
    free(b.ready);
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
