/*
 * wait.h: every wait on the server, interruptible by a signal and bounded after one.
 *
 * libpq's blocking calls (PQexec, PQgetResult, PQputCopyData...) restart their own
 * waits when a signal interrupts them, and PQcancel blocks on a network that does
 * not answer, so neither may be used while a signal must be able to stop a run.
 * These calls do what they do, on libpq's asynchronous API: the connection is
 * non-blocking while they run, and every wait polls its socket and a wake pipe that
 * conn_interrupt_raise() (a signal handler) writes to.
 *
 * When a signal arrives during a wait (or before it, not yet seen by one), the wait
 * asks the server to cancel what runs (PQcancel on a helper thread, given
 * CONN_CANCEL_WAIT_MS), then allows CONN_CANCEL_ANSWER_MS for the answer. When none
 * comes (a network partition), the connection is closed (shutdown(2) of its
 * socket), so the caller sees it lost (PQstatus CONNECTION_BAD) and the server
 * rolls back once it notices. After a signal every later wait (ROLLBACK, the audit
 * rows) is bounded by CONN_AFTER_SIGNAL_MS the same way.
 *
 *   conn_interrupt_open();                    // once, before the handlers
 *   // in the handler: conn_interrupt_raise();
 *   PGresult *r = conn_exec(c, "COMMIT");      // as PQexec
 *   if (conn_interrupt_gave_up()) ...           // the server did not answer
 *
 * Without conn_interrupt_open() (or with no signal) they behave as libpq's own.
 */
#ifndef PGWARD_CONN_WAIT_H
#define PGWARD_CONN_WAIT_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* How long the cancel request may take (it connects to the server again). */
#define CONN_CANCEL_WAIT_MS 5000
/* Then how long the cancelled query's answer may take. */
#define CONN_CANCEL_ANSWER_MS 5000
/* How long any wait may take once a signal has arrived. */
#define CONN_AFTER_SIGNAL_MS 10000

/* Makes the wake pipe (once; later calls do nothing). Returns 0, or -1 when no pipe
   can be made (waits then still stop at a signal, at their next poll timeout of
   one second). */
int conn_interrupt_open(void);

/* From a signal handler (async-signal-safe): a signal arrived; wakes every wait. */
void conn_interrupt_raise(void);

/* Forgets earlier signals and connections given up (a new run). */
void conn_interrupt_reset(void);

/* Whether a signal arrived since the last reset. */
bool conn_interrupt_seen(void);

/* Whether a connection was closed because the server did not answer after a
   signal (then connecting again is pointless: conn_open refuses). */
bool conn_interrupt_gave_up(void);

/* Takes a signal no wait has seen yet: true if there was one (then waits will not
   cancel for it). */
bool conn_interrupt_take(void);

/* A wait's state, zero-initialised, kept across calls for one query. */
typedef struct conn_waiter {
    double deadline_ms; /* monotonic; 0: none */
} conn_waiter;

/*
 * Waits until c's socket is readable (or writable, when write) or a signal needs
 * handling (see above). Returns 0 to go on (consume input, flush, check again), or
 * -1 when the connection is lost or was closed (PQstatus is then CONNECTION_BAD).
 */
int conn_wait(PGconn *c, bool write, conn_waiter *w);

/* As PQexec (simple protocol: several statements allowed; stops at COPY). */
PGresult *conn_exec(PGconn *c, const char *sql);

/* As PQexecParams with n text parameters and text results. */
PGresult *conn_exec_params(PGconn *c, const char *sql, int n, const char *const *values);

/* As PQgetResult: the next result, or NULL when the command is done. */
PGresult *conn_get_result(PGconn *c);

/* In COPY FROM STDIN: sends data and ends the copy (with failure as the reason to
   abort it, when not NULL). Returns 0, or -1 when the connection failed. */
int conn_put_copy(PGconn *c, const char *data, size_t len, const char *failure);

/* In COPY TO STDOUT: as PQgetCopyData(c, buf, 0): > 0 bytes in *buf, -1 done,
   -2 error. */
int conn_get_copy(PGconn *c, char **buf);

#endif
