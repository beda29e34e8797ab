/*
 * wait.c: interruptible, bounded waits on the server; see wait.h.
 *
 * The signal state is process-wide, as a signal handler needs it: how many signals
 * arrived (written by the handler only), how many a wait has answered with a
 * cancel (main thread only), and the wake pipe. A cancel request runs on a helper
 * thread, since PQcancel has no timeout in libpq 15; when it does not return in
 * time the thread is left to finish (or to end with the process) and frees what it
 * holds itself.
 */
#define _GNU_SOURCE /* pipe2 */
#include "conn/wait.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

static volatile sig_atomic_t arrived;
static sig_atomic_t answered;
static bool gave_up;
static int wake_fds[2] = {-1, -1};

int conn_interrupt_open(void)
{
    if (wake_fds[0] >= 0)
        return 0;
    return pipe2(wake_fds, O_CLOEXEC | O_NONBLOCK);
}

void conn_interrupt_raise(void)
{
    int saved = errno;
    arrived = arrived + 1;
    if (wake_fds[1] >= 0) {
        /* a full pipe already wakes every wait */
        ssize_t n = write(wake_fds[1], "!", 1);
        (void)n;
    }
    errno = saved;
}

static void drain_wake(void)
{
    char buf[64];
    while (wake_fds[0] >= 0 && read(wake_fds[0], buf, sizeof(buf)) > 0)
        ;
}

void conn_interrupt_reset(void)
{
    drain_wake();
    arrived = answered = 0;
    gave_up = false;
}

bool conn_interrupt_seen(void)
{
    return arrived != 0;
}

bool conn_interrupt_gave_up(void)
{
    return gave_up;
}

bool conn_interrupt_take(void)
{
    sig_atomic_t now = arrived;
    bool fresh = now != answered;
    answered = now;
    return fresh;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------------ cancel */

typedef struct cancel_job {
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    bool done;
    int refs; /* the thread and the waiter: the last one out frees */
    PGcancel *h;
} cancel_job;

static void job_release(cancel_job *j)
{
    pthread_mutex_lock(&j->mu);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->mu);
    if (last) {
        PQfreeCancel(j->h);
        pthread_cond_destroy(&j->done_cv);
        pthread_mutex_destroy(&j->mu);
        free(j);
    }
}

static void *cancel_thread(void *arg)
{
    cancel_job *j = arg;
    char buf[256];
    PQcancel(j->h, buf, sizeof(buf));
    pthread_mutex_lock(&j->mu);
    j->done = true;
    pthread_cond_signal(&j->done_cv);
    pthread_mutex_unlock(&j->mu);
    job_release(j);
    return NULL;
}

/* Asks the server to cancel what c runs; waits at most CONN_CANCEL_WAIT_MS. */
static void cancel_bounded(PGconn *c)
{
    PGcancel *h = PQgetCancel(c);
    if (!h)
        return;
    cancel_job *j = xcalloc(1, sizeof(*j));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&j->mu, NULL);
    j->h = h;
    j->refs = 2;
    /* the helper takes no signal: the main thread's handler must see them all */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int started = pthread_create(&t, &attr, cancel_thread, j);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started != 0) {
        j->refs = 1;
        job_release(j);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += CONN_CANCEL_WAIT_MS / 1000;
    until.tv_nsec += (long)(CONN_CANCEL_WAIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->done && pthread_cond_timedwait(&j->done_cv, &j->mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&j->mu);
    job_release(j);
}

/* Closes c's socket under libpq: the next read fails and c is CONNECTION_BAD. */
static void give_up(PGconn *c)
{
    int sock = PQsocket(c);
    if (sock >= 0)
        shutdown(sock, SHUT_RDWR);
    gave_up = gave_up || conn_interrupt_seen();
    /* bytes still buffered may be read first; a few reads reach the end */
    for (int i = 0; i < 8 && PQstatus(c) != CONNECTION_BAD; i++)
        if (!PQconsumeInput(c))
            break;
}

/* ------------------------------------------------------------------ waiting */

int conn_wait(PGconn *c, bool write, conn_waiter *w)
{
    for (;;) {
        int sock = PQsocket(c);
        if (sock < 0 || PQstatus(c) == CONNECTION_BAD)
            return -1;
        drain_wake();
        if (conn_interrupt_take()) {
            cancel_bounded(c);
            w->deadline_ms = now_ms() + CONN_CANCEL_ANSWER_MS;
        } else if (conn_interrupt_seen() && !w->deadline_ms) {
            w->deadline_ms = now_ms() + CONN_AFTER_SIGNAL_MS;
        }
        int timeout = -1;
        if (w->deadline_ms) {
            double left = w->deadline_ms - now_ms();
            if (left <= 0) {
                give_up(c);
                return -1;
            }
            timeout = (int)left + 1;
        }
        if (wake_fds[0] < 0 && (timeout < 0 || timeout > 1000))
            timeout = 1000; /* no pipe: look at the signal state every second */
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN | (write ? POLLOUT : 0)},
                              {.fd = wake_fds[0], .events = POLLIN}};
        int rc = poll(p, 2, timeout);
        if (rc < 0 && errno != EINTR) {
            give_up(c);
            return -1;
        }
        if (rc > 0 && p[0].revents)
            return 0;
    }
}

/* Makes sure c is CONNECTION_BAD, then takes libpq's error result (it no longer
   waits: the socket is gone). */
static PGresult *lost_result(PGconn *c, PGresult *last)
{
    if (PQstatus(c) != CONNECTION_BAD)
        give_up(c);
    PGresult *r;
    for (int i = 0; i < 4 && (r = PQgetResult(c)) != NULL; i++) {
        PQclear(last);
        last = r;
    }
    return last;
}

/* Flushes what c has to send. Returns 0 or -1 (lost). */
static int flush_all(PGconn *c, conn_waiter *w)
{
    for (;;) {
        int f = PQflush(c);
        if (f == 0)
            return 0;
        if (f < 0 || conn_wait(c, true, w) < 0 || !PQconsumeInput(c))
            return -1;
    }
}

/* Waits until a result can be taken without blocking. Returns 0 or -1 (lost). */
static int await_result(PGconn *c, conn_waiter *w)
{
    if (flush_all(c, w) < 0)
        return -1;
    while (PQisBusy(c))
        if (conn_wait(c, false, w) < 0 || !PQconsumeInput(c))
            return -1;
    return 0;
}

/* The last result of the command just sent, as PQexec returns it. */
static PGresult *exec_finish(PGconn *c)
{
    conn_waiter w = {0};
    PGresult *last = NULL;
    for (;;) {
        if (await_result(c, &w) < 0)
            return lost_result(c, last);
        PGresult *r = PQgetResult(c);
        if (!r)
            return last;
        PQclear(last);
        last = r;
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH ||
            PQstatus(c) == CONNECTION_BAD)
            return last;
    }
}

/* c non-blocking for one call; returns whether it was before. */
static int nonblocking(PGconn *c)
{
    int was = PQisnonblocking(c);
    if (!was)
        PQsetnonblocking(c, 1);
    return was;
}

/* Back to blocking, unless output is still pending (a call that failed on a dead
   network): libpq would flush it with a wait no signal ends. */
static void restore_blocking(PGconn *c, int was)
{
    if (!was && PQstatus(c) != CONNECTION_BAD && PQflush(c) == 0)
        PQsetnonblocking(c, 0);
}

PGresult *conn_exec(PGconn *c, const char *sql)
{
    int was = nonblocking(c);
    PGresult *r = PQsendQuery(c, sql) ? exec_finish(c) : NULL;
    restore_blocking(c, was);
    return r;
}

PGresult *conn_exec_params(PGconn *c, const char *sql, int n, const char *const *values)
{
    int was = nonblocking(c);
    PGresult *r = PQsendQueryParams(c, sql, n, NULL, values, NULL, NULL, 0) ? exec_finish(c)
                                                                              : NULL;
    restore_blocking(c, was);
    return r;
}

PGresult *conn_get_result(PGconn *c)
{
    conn_waiter w = {0};
    int was = nonblocking(c);
    PGresult *r = await_result(c, &w) < 0 ? lost_result(c, NULL) : PQgetResult(c);
    restore_blocking(c, was);
    return r;
}

int conn_put_copy(PGconn *c, const char *data, size_t len, const char *failure)
{
    conn_waiter w = {0};
    int was = nonblocking(c);
    int rc = 0;
    for (size_t off = 0; rc == 0 && off < len;) {
        size_t chunk = len - off < ((size_t)1 << 20) ? len - off : (size_t)1 << 20;
        int put = PQputCopyData(c, data + off, (int)chunk);
        if (put < 0)
            rc = -1;
        else if (put == 0) /* libpq's buffer is full: let the socket take some */
            rc = conn_wait(c, true, &w) < 0 || PQflush(c) < 0 ? -1 : 0;
        else
            off += chunk;
    }
    for (int end = 0; end == 0;) {
        end = PQputCopyEnd(c, rc == 0 ? failure : "pgward could not send the COPY data");
        if (end < 0 || (end == 0 && conn_wait(c, true, &w) < 0)) {
            rc = -1;
            break;
        }
    }
    if (flush_all(c, &w) < 0)
        rc = -1;
    restore_blocking(c, was);
    return rc;
}

int conn_get_copy(PGconn *c, char **buf)
{
    conn_waiter w = {0};
    for (;;) {
        int n = PQgetCopyData(c, buf, 1);
        if (n != 0)
            return n;
        if (conn_wait(c, false, &w) < 0 || !PQconsumeInput(c))
            return -2;
    }
}
