#!/usr/bin/env python3
"""proxy_selftest.py: the fault proxy does what the fault cases rely on, shown with psql.

Run under with_pg.sh: tests/pg/with_pg.sh python3 tests/faults/proxy_selftest.py

Checks: a query passes (with sslmode=prefer, so the proxy's 'N' to the SSLRequest is
exercised); a dropped message never reaches the server and its connection closes; a
message whose answer is dropped does reach the server while the client sees the
connection close; the SQL of Query and Parse messages is what predicates see; a black-holed connection forwards nothing (even its startup
packet); close_all ends an open session; wait_seen times out on a message never sent.
Prints "PASS NAME: ..." / "FAIL NAME: ..." per check; exit 1 on any failure.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pg"))

import pgtest  # noqa: E402
from faultproxy import FaultProxy, ProxyError, is_sql, sql_of  # noqa: E402
from pgtest import WAIT, Failure, check  # noqa: E402

DB = "proxy_selftest"


def via(proxy, ssl="disable", timeout=10):
    return "host=127.0.0.1 port=%d dbname=%s sslmode=%s connect_timeout=%d" % (
        proxy.port, DB, ssl, timeout)


def psql(conninfo, sql):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", conninfo,
                           "-c", sql], capture_output=True, text=True, timeout=WAIT)


def q(sql):
    return pgtest.psql(sql, DB)


def passes(proxy):
    r = psql(via(proxy, ssl="prefer"), "SELECT 40 + 2")
    check(r.returncode == 0 and r.stdout.strip() == "42", "%d %s %s" % (
        r.returncode, r.stdout, r.stderr))
    proxy.wait_seen(is_sql("SELECT 40 + 2"), 5)
    return "a query and its answer pass, SSLRequest answered 'N'"


def drop_and_close(proxy):
    proxy.drop_and_close(is_sql("INSERT INTO p VALUES (2)"))
    r = psql(via(proxy), "INSERT INTO p VALUES (2)")
    proxy.wait_fired(5)
    check(r.returncode != 0, "psql succeeded: " + r.stdout)
    check(q("SELECT count(*) FROM p WHERE x = 2") == "0", "the dropped INSERT ran")
    return "the INSERT never ran; psql: " + r.stderr.strip().splitlines()[-1]


def drop_reply(proxy):
    proxy.drop_reply_and_close(is_sql("INSERT INTO p VALUES (3)"))
    r = psql(via(proxy), "INSERT INTO p VALUES (3)")
    proxy.wait_fired(5)
    check(r.returncode != 0, "psql succeeded: " + r.stdout)
    check(q("SELECT count(*) FROM p WHERE x = 3") == "1", "the INSERT did not run")
    return "the INSERT ran, its answer never came"


def extended_protocol(proxy):
    # psql 15 has no \bind: the Parse framing is checked on a message built here
    body = b"stmt1\0COMMIT\0\0\0"
    check(sql_of(b"P", body) == b"COMMIT", "Parse text: %r" % sql_of(b"P", body))
    check(is_sql("commit")(b"P", sql_of(b"P", body)), "is_sql on a Parse")
    check(is_sql("COMMIT")(b"Q", b" commit;\0"[:-1]), "is_sql on a Query")
    check(not is_sql("COMMIT")(b"Q", b"COMMIT AND CHAIN"), "is_sql matched more")
    return "the SQL of Query and Parse messages"


def blackhole(proxy):
    proxy.blackhole()
    r = psql(via(proxy, timeout=2), "INSERT INTO p VALUES (5)")
    check(r.returncode != 0, "psql got through a black hole")
    check(q("SELECT count(*) FROM p WHERE x = 5") == "0", "the INSERT ran")
    check(not any(k == b"Q" for k, _ in proxy.seen), "a query was seen: %s" % proxy.seen)
    proxy.heal()
    r = psql(via(proxy), "SELECT 1")
    check(r.returncode == 0, "after heal: " + r.stderr)
    return "nothing forwarded, psql timed out; healed afterwards"


def close_all(proxy):
    p = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", via(proxy)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        p.stdin.write("SELECT 'first';\n")
        p.stdin.flush()
        check(p.stdout.readline().strip() == "first", "no first answer")
        proxy.close_all()
        proxy.heal()
        p.stdin.write("SELECT 'second';\n")
        p.stdin.close()
        out = p.stdout.read()
        p.wait(timeout=WAIT)
        check("second" not in out, "an answer after close_all: " + out)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return "the open session ended"


def wait_times_out(proxy):
    try:
        proxy.wait_seen(is_sql("NEVER SENT"), 0.3)
    except ProxyError:
        return "a bounded wait for a message never sent raises"
    raise Failure("wait_seen returned for a message never sent")


def main():
    pgtest.psql("DROP DATABASE IF EXISTS %s" % DB, "postgres")
    pgtest.psql("CREATE DATABASE %s" % DB, "postgres")
    q("CREATE TABLE p (x int)")
    sock = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])
    failed = 0
    for fn in (passes, drop_and_close, drop_reply, extended_protocol, blackhole, close_all,
               wait_times_out):
        proxy = FaultProxy(sock)
        try:
            print("PASS %s: %s" % (fn.__name__, fn(proxy)), flush=True)
        except (Failure, ProxyError, subprocess.TimeoutExpired) as e:
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, e), flush=True)
        finally:
            try:
                proxy.close()
            except ProxyError as e:
                failed += 1
                print("FAIL %s: %s" % (fn.__name__, e), flush=True)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
