/*
 * test_wait.c: the signal state of src/conn/wait.c that needs no server: a raised
 * signal is seen and taken once (a second wait does not cancel again for it), a
 * reset forgets it, raising preserves errno (it runs in a signal handler), and
 * conn_open() refuses to connect while a signal no wait has taken is pending,
 * without reaching any server. The waits themselves run against PostgreSQL in
 * tests/pg/apply_test.py (partition_*, cancelled_by_signals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn.h"
#include "conn/wait.h"

static void test_raise_take_reset(void **state)
{
    (void)state;
    assert_int_equal(conn_interrupt_open(), 0);
    assert_int_equal(conn_interrupt_open(), 0); /* once */
    conn_interrupt_reset();
    assert_false(conn_interrupt_seen());
    assert_false(conn_interrupt_take());
    errno = EAGAIN;
    conn_interrupt_raise();
    assert_int_equal(errno, EAGAIN);
    assert_true(conn_interrupt_seen());
    assert_true(conn_interrupt_take());
    assert_false(conn_interrupt_take());
    assert_true(conn_interrupt_seen()); /* later waits stay bounded */
    assert_false(conn_interrupt_gave_up());
    /* many signals fill no buffer and are taken as one */
    for (int i = 0; i < 100000; i++)
        conn_interrupt_raise();
    assert_true(conn_interrupt_take());
    assert_false(conn_interrupt_take());
    conn_interrupt_reset();
    assert_false(conn_interrupt_seen());
}

static void test_conn_open_after_signal(void **state)
{
    (void)state;
    conn_interrupt_reset();
    conn_interrupt_raise();
    char *err = NULL;
    /* port 1 would refuse; the signal refuses first */
    PGconn *c = conn_open(NULL, "host=127.0.0.1 port=1", "pgward test", &err);
    assert_null(c);
    assert_string_equal(err, "interrupted by a signal before connecting");
    free(err);
    err = NULL;
    /* taken: the next attempt connects (and here fails on port 1) */
    c = conn_open(NULL, "host=127.0.0.1 port=1", "pgward test", &err);
    assert_null(c);
    assert_non_null(strstr(err, "port 1 failed"));
    free(err);
    conn_interrupt_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raise_take_reset),
        cmocka_unit_test(test_conn_open_after_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
