"""pgtest.py: what the PostgreSQL integration tests share (apply, stage, verify).

A test is a function taking the file's Env, registered with @test; check() fails it
with a message; psql() runs SQL through psql; StagedEnv is a database staged for
rules/staging.policy, the base of the verify, assumptions and audit tests' Env; no_sanitizer_report() fails it when a sanitizer build of pgward
reported on stderr; run_on_tty() runs a command with stderr on a pseudo-terminal
(what an operator watching sees); run_tests(Env) parses --pgward and -k, runs every test with a
fresh Env (always closed), prints "ok NAME" or "FAIL NAME: why" and
"N passed, M failed", and returns the exit status (1 on any failure, or when no
test ran). Python 3 standard library only.
"""

import argparse
import os
import pty
import select
import re
import shutil
import subprocess
import tempfile
import time
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STAGING_POLICY = os.path.join(ROOT, "rules", "staging.policy")


class StagedEnv:
    """One test's database, staged as `pgward stage up` stages one (the policy's roles,
    schemas, grants and audit trail, from `pgward stage sql`), in a folder of its own,
    with the automation role's login valid for 8 hours and the admin's login on.
    PREFIX names the folder and the database; pgward runs with this env's journal
    unless JOURNAL is false (then with none)."""

    PREFIX = "staged"
    JOURNAL = True

    def __init__(self, pgward, name, policy=STAGING_POLICY):
        self.pgward = pgward
        self.name = name
        self.policy = policy
        self.dir = tempfile.mkdtemp(prefix="pgward-%s-%s-" % (self.PREFIX, name))
        self.db = "%s_%s" % (self.PREFIX, name)
        self.journal = os.path.join(self.dir, "journal.jsonl")
        self.psql("DROP DATABASE IF EXISTS %s" % self.db, db="postgres")
        self.psql("CREATE DATABASE %s" % self.db, db="postgres")
        self.stage()

    def stage(self):
        setup = subprocess.run([self.pgward, "stage", "sql", "--policy", self.policy],
                               capture_output=True, text=True, timeout=WAIT)
        if setup.returncode != 0:
            raise Failure("pgward stage sql failed: %s" % setup.stderr.strip())
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", self.db],
                           input=setup.stdout, capture_output=True, text=True, timeout=WAIT)
        if r.returncode != 0:
            raise Failure("bootstrap failed: %s" % r.stderr.strip())
        self.valid_for("8 hours")
        self.psql("ALTER ROLE ehg_admin LOGIN")

    def valid_for(self, interval):
        """The automation role's login, valid for interval from now."""
        self.psql("DO $$BEGIN EXECUTE format('ALTER ROLE codex_staging LOGIN VALID UNTIL %%L', "
                  "now() + interval '%s'); END$$" % interval)

    def close(self, reset_roles=()):
        """Drops the database and the folder; reset_roles: SQL that puts back what a
        test changed in the cluster's roles, run first."""
        try:
            for sql in reset_roles:
                self.psql(sql, db="postgres")
            self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db, db="postgres")
        except Failure:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql, db=None, user=None):
        return psql(sql, db or self.db, user)

    def as_admin(self, sql):
        """Runs sql as ehg_admin, the role that owns eng, vh and views."""
        return self.psql(sql, user="ehg_admin")

    def write(self, rel, text):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def run(self, *args, user="ehg_admin", check_rc=None):
        e = dict(os.environ, PGDATABASE=self.db, PGUSER=user)
        if self.JOURNAL:
            e["PGWARD_JOURNAL"] = self.journal
        else:
            e.pop("PGWARD_JOURNAL", None)
        r = subprocess.run([self.pgward] + list(args), capture_output=True, text=True,
                           cwd=self.dir, env=e, timeout=WAIT * 2)
        no_sanitizer_report(r.stderr, "pgward " + " ".join(args))
        if check_rc is not None and r.returncode != check_rc:
            raise Failure("pgward %s: exit %d, expected %d\nstdout: %s\nstderr: %s" % (
                " ".join(args), r.returncode, check_rc, r.stdout, r.stderr))
        return r


def run_on_tty(cmd, cwd, env):
    """Runs cmd with stderr on a pseudo-terminal (stdout on a pipe, as when an
    operator pipes the summary): its exit status, stdout, and what the terminal got."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=slave,
                         stdin=subprocess.DEVNULL)
    os.close(slave)
    got = b""
    deadline = time.monotonic() + WAIT * 3
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal is gone
                break
            if not chunk:
                break
            got += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    out = p.stdout.read().decode()
    p.stdout.close()
    p.wait(timeout=WAIT)
    return p.returncode, out, got.decode(errors="replace")


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
