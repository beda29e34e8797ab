"""pgtest.py: what the PostgreSQL integration tests share (apply, stage, verify).

A test is a function taking the file's Env, registered with @test; check() fails it
with a message; psql() runs SQL through psql; no_sanitizer_report() fails it when a sanitizer build of pgward
reported on stderr; run_tests(Env) parses --pgward and -k, runs every test with a
fresh Env (always closed), prints "ok NAME" or "FAIL NAME: why" and
"N passed, M failed", and returns the exit status (1 on any failure, or when no
test ran). Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import traceback

WAIT = 60.0  # seconds any condition may take before the test fails


def psql(sql, db, user=None):
    """Runs sql with psql in database db (as user, else PGUSER); its output, trimmed.
    Failure when psql fails."""
    cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db]
    if user:
        cmd += ["-U", user]
    r = subprocess.run(cmd + ["-c", sql], capture_output=True, text=True, timeout=WAIT)
    if r.returncode != 0:
        raise Failure("psql failed: %s: %s" % (sql, r.stderr.strip()))
    return r.stdout.strip()

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


SANITIZER = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")


def no_sanitizer_report(stderr, what):
    """A sanitizer build reports on stderr; any report fails the test."""
    if stderr and SANITIZER.search(stderr):
        raise Failure("%s: sanitizer report:\n%s" % (what, stderr))


def run_tests(env_class):
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgward", required=True)
    ap.add_argument("-k", dest="only", action="append", default=[])
    args = ap.parse_args()
    pgward = os.path.abspath(args.pgward)
    passed = failed = 0
    for fn in TESTS:
        if args.only and not any(k in fn.__name__ for k in args.only):
            continue
        env = None
        try:
            env = env_class(pgward, fn.__name__)
            fn(env)
            print("ok", fn.__name__, flush=True)
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
            print("FAIL %s: %s" % (fn.__name__, detail), flush=True)
        finally:
            if env:
                env.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0
