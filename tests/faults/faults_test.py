#!/usr/bin/env python3
"""faults_test.py: the fault table of `pgward apply` (issue 13), one case per fault.

Each case injects one fault into a run against a real PostgreSQL 15 and asserts what
the issue specifies after it (exit status, table rows, audit.runs / audit.statements /
audit.files rows, journal events, then what `pgward audit sync` and `pgward verify`
say) -- the behaviour asked for, not today's. README.md lists the cases.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/faults/faults_test.py --pgward build/pgward [--case NAME]...

Reuses tests/pg: pgtest (checks, WAIT) and apply_test's Env (a database, folder and
journal per case, bundles, LockHolder, Reader, finish). Network faults go through
faultproxy.FaultProxy, which the case starts and always closes. Big bundles hold
6,000 INSERTs with a gate in the middle: a statement waiting on a lock the case holds
(LockHolder on table `gate`), so a fault lands while the run is in flight and the case
decides when the run goes on (no timing assumptions, no sleeps).

Prints one line per case: "PASS NAME: what held", "FAIL NAME: why" or "SKIP NAME: why",
then "N passed, M failed, K skipped"; exits 1 when any case fails or none ran, 77 (a
skip, to ctest) when every case run was skipped.
Python 3 standard library only.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pg"))

import apply_test as at  # noqa: E402 - found through the path above
import pgtest  # noqa: E402
from faultproxy import FaultProxy, after, contains, is_sql  # noqa: E402
from pgtest import WAIT, Failure, check  # noqa: E402

APPLY_LOCK = "l.locktype = 'advisory' AND l.classid = 1885827950 AND l.objid = 0"
N_BIG = 6000     # INSERTs in a big bundle
GATE_AT = 3000   # the gate statement comes after this many of them
GATE_LINE = GATE_AT + 1
SIGNAL_BOUND = 15.0  # seconds pgward may take to exit after SIGINT on a dead network
BLOCK_BOUND = 20.0   # seconds a command given a FIFO may take before it counts as hung


class Skip(Exception):
    pass


def big_script(n=N_BIG, gate_at=GATE_AT, stmt="INSERT INTO t VALUES (%d);"):
    """n statements into t; after gate_at of them (None: no gate), INSERT INTO gate."""
    lines = []
    for i in range(1, n + 1):
        if gate_at is not None and i == gate_at + 1:
            lines.append("INSERT INTO gate VALUES (1);")
        lines.append(stmt % i if "%d" in stmt else stmt)
    return "\n".join(lines) + "\n"


class FaultEnv(at.Env):
    """apply_test's Env plus a signing key, the fault proxy and the checks of this suite."""

    def __init__(self, pgward, name):
        super().__init__(pgward, name)
        self.proxies = []
        self.holders = []
        self.key = None

    def close(self):
        errors = []
        for h in self.holders:
            try:
                h.release()
            except Exception as e:  # noqa: BLE001 - cleanup goes on, then reports
                errors.append("lock holder: %s" % e)
        for p in self.proxies:
            try:
                p.close()
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
        super().close()
        if errors:
            raise Failure("; ".join(errors))

    # ---------------------------------------------------------------- set-up

    def proxy(self):
        sock = os.path.join(os.environ["PGHOST"], ".s.PGSQL.%s" % os.environ["PGPORT"])
        p = FaultProxy(sock)
        self.proxies.append(p)
        return p

    def via(self, proxy):
        """A conninfo through the proxy (the password-less cluster: PGUSER applies)."""
        return "host=127.0.0.1 port=%d dbname=%s sslmode=disable connect_timeout=10" % (
            proxy.port, self.db)

    def hold(self, table="gate"):
        h = at.LockHolder(self, table)
        self.holders.append(h)
        return h

    def pubkey(self):
        if not self.key:
            self.key = self.path("key")
            self.run("keygen", self.key, check_rc=0)
        return self.key + ".pub"

    def signed(self, name, files, role="postgres"):
        self.pubkey()
        return self.bundle(name, files, role=role, extra=("--sign", self.key))

    def big_tables(self):
        self.q("CREATE TABLE t (x int)")
        self.q("CREATE TABLE gate (x int)")

    def apply_args(self, bundle, *extra, proxy=None):
        args = ["apply", "--pubkey", self.pubkey()]
        if proxy:
            args += ["--db", self.via(proxy)]
        return args + list(extra) + [bundle]

    # ---------------------------------------------------------------- reading

    def count(self, sql):
        return int(self.q(sql) or "0")

    def journal_records(self, path=None):
        """Every record of the journal; a line that is not JSON fails the case."""
        path = path or self.journal
        if not os.path.exists(path):
            return []
        with open(path, "rb") as f:
            data = f.read()
        check(not data or data.endswith(b"\n"), "journal %s ends inside a line: %r" % (
            path, data[-80:]))
        recs = []
        for i, line in enumerate(data.split(b"\n")[:-1], 1):
            try:
                recs.append(json.loads(line))
            except ValueError:
                raise Failure("journal %s:%d is not valid JSON: %r" % (path, i, line[:120]))
        return recs

    def only_run(self, path=None):
        runs = [r["run"] for r in self.journal_records(path) if r["event"] == "begin"]
        check(runs, "no run began in the journal")
        return runs[-1]

    def events(self, run, path=None):
        return [r["event"] for r in self.journal_records(path) if r["run"] == run]

    def run_status(self, run):
        return self.q("SELECT status FROM audit.runs WHERE id = '%s'" % run)

    def verify(self, *extra, env=None):
        """`pgward verify`: (exit, the audit-trail gate's verdict, its section, output)."""
        r = self.run("verify", "--policy", "pgward.policy", "--journal", self.journal, *extra,
                     env=env)
        verdict, section, on = None, [], False
        for line in r.stdout.splitlines():
            m = re.match(r"^(GO|NO-GO) +([a-z-]+): ", line)
            if m:
                on = m.group(2) == "audit-trail"
                if on:
                    verdict = m.group(1)
            elif not line.startswith(" "):
                on = False
            if on:
                section.append(line)
        return r.returncode, verdict, "\n".join(section), r.stdout + r.stderr

    def wait_until(self, cond, what, timeout=WAIT):
        """Polls cond() (a condition, bounded by timeout), never a fixed sleep."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            time.sleep(0.05)  # polling a condition, bounded
        raise Failure("timed out after %gs waiting for %s" % (timeout, what))

    def apply_lock_holders(self):
        out = self.q("SELECT string_agg(l.pid::text, ',') FROM pg_locks l JOIN pg_database d "
                     "ON d.oid = l.database WHERE d.datname = current_database() AND %s AND "
                     "l.granted" % APPLY_LOCK)
        return [int(p) for p in out.split(",") if p]

    def locks_released(self):
        return self.q("SELECT count(*) FROM pg_locks l WHERE %s" % APPLY_LOCK) == "0" and \
            self.q("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND application_name LIKE 'pgward apply %'") == "0"


def wait_exit(p, timeout):
    """p's exit status, or None when it is still running after timeout seconds."""
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return p.returncode


def signal_delivered(pid, sig):
    """True once sig is no longer pending for pid (its handler ran or is running)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
    except OSError:
        return True
    bit = 1 << (sig - 1)
    for field in ("SigPnd", "ShdPnd"):
        m = re.search(r"^%s:\s*([0-9a-f]+)" % field, status, re.M)
        if m and int(m.group(1), 16) & bit:
            return False
    return True


# ------------------------------------------------------------------ cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def lock_session_terminated(env):
    """1: the apply lock's session dies mid-run; a second apply must not run it again."""
    env.big_tables()
    b = env.signed("b", [("a.sql", big_script())])
    holder = env.hold()
    first = env.start(*env.apply_args(b))
    runner = int(env.waiting_apply_pid())
    holders = env.apply_lock_holders()
    check(holders, "no session holds the apply lock while the run is in flight")
    victims = [p for p in holders if p != runner] or holders
    for pid in victims:
        env.q("SELECT pg_terminate_backend(%d)" % pid)
    second = env.start(*env.apply_args(b, "--lock-wait", "5"))
    # the second apply either ends (refused, or failed) or reaches the gate too
    env.wait_until(lambda: second.poll() is not None or env.q(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "application_name LIKE 'pgward apply %%' AND application_name NOT LIKE '%%(lock)' AND "
        "wait_event_type = 'Lock' AND pid <> %d" % runner) != "0", "the second apply to settle")
    holder.release()
    rc1, _, err1 = at.finish(first)
    rc2, out2, err2 = at.finish(second)
    rows = env.count("SELECT count(*) FROM t")
    files = env.count("SELECT count(*) FROM audit.files WHERE path = 'src/b/a.sql'")
    check(rows in (0, N_BIG), "rows doubled: %d rows in t (bundle inserts %d); first exit %d, "
          "second exit %d" % (rows, N_BIG, rc1, rc2))
    check(files <= 1, "the file is %d times in audit.files" % files)
    check((rows == N_BIG) == (files == 1), "%d rows but %d file rows" % (rows, files))
    check(not (rc1 == 0 and rc2 == 0), "both applies exited 0")
    if rc1 != 0 and runner not in victims:
        # its own connection lives: it failed for the lock it lost, and must say so
        check("lock" in err1, "the first run failed without saying it lost the lock: " + err1)
    return "%d rows once, file once; first exit %d, second exit %d" % (rows, rc1, rc2)


NO_TXN = ("-- pgward:no-transaction\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n"
          "INSERT INTO t VALUES (3);\n")


def stmt2_agrees(env, run, when):
    effect = env.count("SELECT count(*) FROM t WHERE x = 2")
    row = env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND line = 3 "
                    "AND status = 'ok'" % run)
    check(effect == (1 if row else 0) and effect <= 1,
          "%s: statement 2's effect %s but %d audit rows 'ok' for it" % (
              when, "present" if effect else "absent", row))
    return effect


@case
def no_txn_audit_write_lost(env):
    """2: no-transaction file, connection lost while a committed statement's audit row is
    written: effect and audit row together, never `audited` early, resume sends it once."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", NO_TXN)])
    proxy = env.proxy()
    proxy.drop_and_close(after(contains("INSERT INTO t VALUES (2)"), contains("pgward_record")))
    r = env.run(*env.apply_args(b, proxy=proxy))
    check(proxy.fired, "the fault never fired: no audit write after statement 2 (exit %d: %s)"
          % (r.returncode, r.stderr))
    check(r.returncode != 0, "exit 0 after the connection was lost: " + r.stdout)
    run = env.only_run()
    audited = "audited" in env.events(run)
    effect = env.count("SELECT count(*) FROM t WHERE x = 2")
    row = env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND line = 3 "
                    "AND status = 'ok'" % run)
    check(not (audited and effect and not row),
          "journal says 'audited' but statement 2 committed without its audit row")
    stmt2_agrees(env, run, "after the fault")
    s = env.run("audit", "sync")
    check(s.returncode == 0, "audit sync: exit %d: %s %s" % (s.returncode, s.stdout, s.stderr))
    stmt2_agrees(env, run, "after audit sync")
    check(env.run_status(run) not in ("", "running"), "run still '%s' after sync" %
          env.run_status(run))
    r2 = env.run(*env.apply_args(b))
    check(r2.returncode == 0, "resumed apply: exit %d: %s" % (r2.returncode, r2.stderr))
    check(at.table_rows(env, "t") == "1,2,3", "after resume t holds " + at.table_rows(env, "t"))
    env.check_agreement()
    return "statement 2 and its audit row together; resume ran each statement once"


@case
def no_txn_outcome_lost(env):
    """2: a statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY) gets a
    start record before it is sent; when its answer is lost it is in doubt, never
    audited, and a resumed apply does not send it again."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", "-- pgward:no-transaction\n"
                                   "CREATE INDEX CONCURRENTLY t_x ON t (x);\n"
                                   "CREATE INDEX CONCURRENTLY t_y ON t (x);\n")])
    proxy = env.proxy()
    proxy.drop_reply_and_close(contains("CREATE INDEX CONCURRENTLY t_x"))
    r = env.run(*env.apply_args(b, proxy=proxy))
    check(proxy.fired, "the fault never fired (exit %d: %s)" % (r.returncode, r.stderr))
    check(r.returncode != 0, "exit 0 although the answer was lost: " + r.stdout)
    check(env.count("SELECT count(*) FROM pg_indexes WHERE indexname = 't_x'") == 1,
          "the index was not built")
    run = env.only_run()
    recs = [x for x in env.journal_records() if x["run"] == run]
    starts = [x for x in recs if x["event"] in ("statement-start", "started") and
              x.get("line") == 2]
    check(starts, "no start record for the statement: %s" % [x["event"] for x in recs])
    check(not any(x["event"] == "statement" and x.get("line") == 2 and x.get("status") == "ok"
                  for x in recs), "the journal records the statement ok though its answer "
          "never came")
    audit_row = lambda: env.q(  # noqa: E731
        "SELECT coalesce(string_agg(status, ','), '') FROM audit.statements "
        "WHERE run_id = '%s' AND line = 2" % run)
    check("audited" not in env.events(run) or audit_row() != "",
          "the journal says 'audited' but the audit tables lack the statement")
    s = env.run("audit", "sync")
    check(s.returncode in (0, 1), "audit sync: exit %d: %s %s" % (
        s.returncode, s.stdout, s.stderr))
    check(audit_row() in ("in-doubt", "ok"), "after sync the statement is '%s' in the audit "
          "trail (it ran: in doubt, or ok once its effect is checked)" % audit_row())
    watch = env.proxy()
    r2 = env.run(*env.apply_args(b, proxy=watch))
    sent_again = [t for k, t in watch.seen if b"CREATE INDEX CONCURRENTLY t_x" in t]
    check(not sent_again, "the resumed apply sent the statement again (exit %d: %s)" % (
        r2.returncode, r2.stderr.strip()[:200]))
    if r2.returncode == 0:
        check(env.count("SELECT count(*) FROM pg_indexes WHERE indexname = 't_y'") == 1,
              "the resumed apply exited 0 without the rest of the file")
    return "start record, not audited, sync says %s, resume (exit %d) did not re-send it" % (
        audit_row(), r2.returncode)


@case
def commit_dropped(env):
    """3a: the COMMIT never reaches the server: nothing recorded ok, not audited, sync
    says not committed, verify not GO before sync, the bundle applies later."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", big_script(gate_at=None))])
    proxy = env.proxy()
    # the COMMIT after the last statement (the apply lock has a transaction of its own)
    proxy.drop_and_close(after(contains("VALUES (%d)" % N_BIG), is_sql("COMMIT")))
    r = env.run(*env.apply_args(b, proxy=proxy))
    check(proxy.fired, "the fault never fired: no COMMIT seen (exit %d)" % r.returncode)
    check(r.returncode != 0, "exit 0 with the COMMIT dropped: " + r.stdout)
    check(env.count("SELECT count(*) FROM t") == 0, "rows committed without a COMMIT")
    run = env.only_run()
    ok = env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND status = 'ok'"
                   % run)
    check(ok == 0, "%d statements recorded 'ok' although nothing committed" % ok)
    check("audited" not in env.events(run), "journal says 'audited' before any sync")
    check(env.run_status(run) != "committed", "audit.runs says committed")
    rc, verdict, section, out = env.verify()
    check(verdict == "NO-GO", "verify's audit trail is %s before sync:\n%s" % (verdict, out))
    s = env.run("audit", "sync")
    check(s.returncode == 0, "audit sync: exit %d: %s %s" % (s.returncode, s.stdout, s.stderr))
    check(env.run_status(run) == "failed", "after sync the run is '%s'" % env.run_status(run))
    check(env.count("SELECT count(*) FROM audit.files WHERE run_id = '%s'" % run) == 0,
          "file history of a run that did not commit")
    check(env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND status = 'ok'"
                    % run) == 0, "sync recorded statements ok")
    rc, verdict, section, out = env.verify()
    check(verdict == "GO", "verify's audit trail after sync: %s\n%s" % (verdict, out))
    r2 = env.run(*env.apply_args(b))
    check(r2.returncode == 0 and env.count("SELECT count(*) FROM t") == N_BIG,
          "apply after the lost COMMIT: exit %d, %s rows: %s" % (
              r2.returncode, env.q("SELECT count(*) FROM t"), r2.stdout + r2.stderr))
    env.check_agreement()
    return "0 rows, 0 ok, NO-GO until sync records it failed; applied afterwards"


@case
def commit_answer_lost(env):
    """3b: the COMMIT reaches the server, its answer is lost: in doubt, never "nothing
    was committed"; audit sync finds it committed and records it."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", big_script(gate_at=None))])
    proxy = env.proxy()
    proxy.drop_reply_and_close(after(contains("VALUES (%d)" % N_BIG), is_sql("COMMIT")))
    r = env.run(*env.apply_args(b, proxy=proxy))
    check(proxy.fired, "the fault never fired: no COMMIT seen (exit %d)" % r.returncode)
    check(env.count("SELECT count(*) FROM t") == N_BIG, "the COMMIT did not take effect")
    check(r.returncode != 0, "exit 0 although the COMMIT's answer was lost: " + r.stdout)
    check("nothing was committed" not in r.stderr, "says nothing was committed:\n" + r.stderr)
    check(re.search(r"in doubt|unknown", r.stderr),
          "does not say the outcome is in doubt:\n" + r.stderr)
    run = env.only_run()
    check("audited" not in env.events(run), "journal says 'audited' before any sync")
    rc, verdict, section, out = env.verify()
    check(verdict == "NO-GO", "verify's audit trail is %s with the run in doubt:\n%s" % (
        verdict, out))
    s = env.run("audit", "sync")
    check(s.returncode == 0, "audit sync: exit %d: %s %s" % (s.returncode, s.stdout, s.stderr))
    check(env.run_status(run) == "committed", "after sync the run is '%s'" % env.run_status(run))
    ok = env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND status = 'ok'"
                   % run)
    check(ok == N_BIG, "%d statements ok, expected %d" % (ok, N_BIG))
    check(env.count("SELECT count(*) FROM audit.files WHERE run_id = '%s'" % run) == 1,
          "the committed file is not in audit.files")
    rc, verdict, section, out = env.verify()
    check(verdict == "GO", "verify's audit trail after sync: %s\n%s" % (verdict, out))
    r2 = env.run(*env.apply_args(b), check_rc=0)
    check("nothing to apply" in r2.stdout, "applied again: " + r2.stdout)
    env.check_agreement()
    return "in doubt, then sync recorded it committed; re-apply skips it"


def fill(path):
    """Writes path until the filesystem is full (unbuffered: no write is left pending at
    close); its size."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        chunk = b"\0" * 4096
        while True:
            try:
                if os.write(fd, chunk) < len(chunk):
                    break
            except OSError:
                break
    finally:
        os.close(fd)
    return os.path.getsize(path)


@case
def journal_disk_full(env):
    """4: the journal's disk fills mid-run, then space comes back: the run stops before the
    next statement (rolled back, exit 3, the journal named) and the journal stays JSON
    lines that audit sync and verify read."""
    if os.geteuid() != 0:
        raise Skip("needs root to mount a small tmpfs in a private mount namespace")
    if os.environ.get("PGWARD_FAULTS_NS") != "1":
        # the case runs again alone in a private mount namespace; its mount dies with it
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                               capture_output=True, text=True, timeout=WAIT)
        if probe.returncode != 0:  # e.g. a container without CAP_SYS_ADMIN
            raise Skip("cannot make a private mount namespace: " + probe.stderr.strip())
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                            os.path.abspath(__file__), "--pgward", env.pgward,
                            "--case", "journal_disk_full"],
                           env=dict(os.environ, PGWARD_FAULTS_NS="1"), capture_output=True,
                           text=True, timeout=WAIT * 5)
        m = re.search(r"^(PASS|FAIL|SKIP) journal_disk_full: (.*(?:\n(?!\d+ passed).*)*)",
                      r.stdout, re.M)
        if not m:
            raise Failure("the namespaced run said nothing (exit %d): %s %s" % (
                r.returncode, r.stdout, r.stderr))
        if m.group(1) == "SKIP":
            raise Skip(m.group(2))
        if m.group(1) == "FAIL":
            raise Failure(m.group(2))
        return m.group(2)
    mnt = env.path("jdisk")
    os.makedirs(mnt)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt],
                       capture_output=True, text=True, timeout=WAIT)
    if m.returncode != 0:
        raise Skip("cannot mount a tmpfs: " + m.stderr.strip())
    try:
        journal = os.path.join(mnt, "journal.jsonl")
        e = env.env(PGWARD_JOURNAL=journal)
        env.big_tables()
        b = env.signed("b", [("a.sql", big_script())])
        filler = os.path.join(mnt, "filler")
        size = fill(filler)
        os.truncate(filler, max(0, size - 8192))  # room for the first records only
        holder = env.hold()
        p = env.start(*env.apply_args(b), env=e)
        env.wait_until(lambda: p.poll() is not None or env.q(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
            "application_name LIKE 'pgward apply %' AND wait_event_type = 'Lock'") != "0",
            "the run to stop or reach the gate")
        os.unlink(filler)  # space comes back mid-run
        holder.release()
        rc, out, err = at.finish(p)
        recs = env.journal_records(journal)  # fails on a torn or non-JSON line
        check(rc == 3, "exit %d with the journal's disk full: %s %s" % (rc, out, err))
        check(journal in err, "the message does not name the journal: " + err)
        check(env.count("SELECT count(*) FROM t") == 0, "rows committed with the journal full")
        check(recs, "nothing in the journal")
        s = env.run("audit", "sync", env=e)
        check(s.returncode == 0, "audit sync: exit %d: %s %s" % (s.returncode, s.stdout, s.stderr))
        env.journal = journal
        rc, verdict, section, vout = env.verify(env=e)
        check(verdict == "GO", "verify's audit trail after sync: %s\n%s" % (verdict, vout))
        return "stopped, exit 3, journal named, %d valid records, sync and verify read it" % len(
            recs)
    finally:
        subprocess.run(["umount", "-l", mnt], timeout=WAIT)


def ensure_login_role(env, role):
    env.q("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN "
          "CREATE ROLE %s LOGIN; END IF; END$$" % (role, role))
    env.q("ALTER ROLE %s LOGIN" % role)


def as_role(env, role, sql):
    """None when sql ran as role with plain psql, else psql's error."""
    try:
        pgtest.psql(sql, env.db, user=role)
        return None
    except Failure as e:
        return str(e)


@case
def audit_forging_refused(env):
    """5: a restricted role with plain psql cannot begin, record or finish a run, nor
    finish another operator's running run."""
    ensure_login_role(env, "app_writer")
    env.q("CREATE TABLE t (x int)")
    env.q("CREATE TABLE gate (x int)")
    env.run(*env.apply_args(env.signed("init", [("i.sql", "INSERT INTO t VALUES (0);\n")])),
            check_rc=0)
    text = "INSERT INTO t VALUES (1);\n"
    m = env.signed("m", [("m.sql", text)])
    digest = hashlib.sha256(text.encode()).hexdigest()
    forged = str(uuid.uuid4())
    attempts = [
        ("begin a run", "SELECT audit.pgward_begin_run('%s', repeat('0', 64), repeat('0', 64), "
         "'postgres', 'bundle', 'forged', now())" % forged),
        ("record a file row", "SELECT audit.pgward_record('%s', '[]', '[{\"path\": "
         "\"src/m/m.sql\", \"sha256\": \"%s\", \"txn\": 1}]')" % (forged, digest)),
        ("finish it committed", "SELECT audit.pgward_finish_run('%s', 'committed', NULL)" % forged),
        ("insert a run", "INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, "
         "started_at, status, mode) VALUES ('%s', '', '', 'postgres', now(), 'committed', "
         "'bundle')" % forged),
    ]
    worked = [what for what, sql in attempts if as_role(env, "app_writer", sql) is None]
    # the strongest try: all of it in one session and one transaction
    forged2 = str(uuid.uuid4())
    one_txn = as_role(env, "app_writer", "BEGIN; " + "; ".join(
        sql.replace(forged, forged2) for _, sql in attempts[:3]) + "; COMMIT") is None
    problems = []
    for f, how in ((forged, "separate sessions (%s accepted)" % (", ".join(worked) or "none")),
                   (forged2, "one transaction (%s)" % ("accepted" if one_txn else "refused"))):
        if env.count("SELECT count(*) FROM audit.runs WHERE id = '%s' AND status <> 'running'"
                     % f):
            problems.append("app_writer finished a run it began, in " + how)
        if env.count("SELECT count(*) FROM audit.files WHERE run_id = '%s'" % f):
            problems.append("app_writer recorded a file row, in " + how)
        if env.count("SELECT count(*) FROM audit.runs WHERE id = '%s'" % f):
            # a run row it may begin must not pass for pgward's: verify names it
            rc, verdict, section, out = env.verify()
            if verdict != "NO-GO" or f not in section:
                problems.append("a run app_writer began in %s is not reported by verify:\n%s"
                                % (how, section))
    check(not problems, "\n  ".join(problems))
    r = env.run(*env.apply_args(m), check_rc=0)
    check("already applied" not in r.stdout and "nothing to apply" not in r.stdout,
          "the real migration was skipped: " + r.stdout)
    check(at.table_rows(env, "t") == "0,1", "t holds " + at.table_rows(env, "t"))
    # another operator's run, in flight
    holder = env.hold()
    p = env.start(*env.apply_args(env.signed("o", [("o.sql", "INSERT INTO gate VALUES (1);\n")])))
    env.waiting_apply_pid()
    run = env.only_run()
    err = as_role(env, "app_writer", "SELECT audit.pgward_finish_run('%s', 'committed', "
                  "'forged')" % run)
    status = env.run_status(run)
    holder.release()
    rc, out, perr = at.finish(p)
    check(status in ("", "running"), "app_writer finished another operator's run: '%s'" % status)
    check(err is not None, "app_writer's call to finish another run succeeded")
    check(rc == 0, "the real run: exit %d: %s" % (rc, perr))
    check(env.q("SELECT status || '|' || coalesce(message, '') FROM audit.runs WHERE id = '%s'"
                % run) == "committed|", "the real run's record: " + env.q(
                    "SELECT status || '|' || coalesce(message, '') FROM audit.runs WHERE id = '%s'"
                    % run))
    return "no forged run finished or file recorded (separate sessions: %s accepted; one " \
        "transaction: %s); the real migration ran" % (", ".join(worked) or "none",
                                                    "accepted" if one_txn else "refused")


@case
def audit_tampering_detected(env):
    """5: the schema owner's edits and deletions of audit rows are NO-GO in `pgward verify`
    and `pgward audit verify`, with the row named."""
    env.q("CREATE TABLE t (x int)")
    env.run(*env.apply_args(env.signed("b1", [("a.sql", "INSERT INTO t VALUES (1);\n"
                                                         "INSERT INTO t VALUES (2);\n")])),
            check_rc=0)
    env.run(*env.apply_args(env.signed("b2", [("c.sql", "INSERT INTO t VALUES (3);\n")])),
            check_rc=0)
    runs = list(env.audit_runs())
    check(len(runs) == 2, "runs: %s" % runs)
    r1, r2 = runs
    rc, verdict, _, out = env.verify()
    check(verdict == "GO", "verify before any tampering: %s\n%s" % (verdict, out))
    forged = str(uuid.uuid4())
    tampers = [
        ("a statement row edited", r1,
         "UPDATE audit.statements SET rows_affected = 7 WHERE run_id = '%s' AND seq = 1" % r1,
         "UPDATE audit.statements SET rows_affected = 1 WHERE run_id = '%s' AND seq = 1" % r1),
        ("a statement row deleted", r1,
         "CREATE TABLE public.saved AS SELECT * FROM audit.statements WHERE run_id = '%s' AND "
         "seq = 2; DELETE FROM audit.statements WHERE run_id = '%s' AND seq = 2" % (r1, r1),
         "INSERT INTO audit.statements SELECT * FROM public.saved; DROP TABLE public.saved"),
        ("a run's status edited", r2,
         "UPDATE audit.runs SET status = 'failed' WHERE id = '%s'" % r2,
         "UPDATE audit.runs SET status = 'committed' WHERE id = '%s'" % r2),
        ("a run deleted", r2,
         "CREATE TABLE public.sr AS SELECT * FROM audit.runs WHERE id = '%s'; "
         "CREATE TABLE public.ss AS SELECT * FROM audit.statements WHERE run_id = '%s'; "
         "CREATE TABLE public.sf AS SELECT * FROM audit.files WHERE run_id = '%s'; "
         "DELETE FROM audit.files WHERE run_id = '%s'; DELETE FROM audit.statements WHERE "
         "run_id = '%s'; DELETE FROM audit.runs WHERE id = '%s'" % ((r2,) * 6),
         "INSERT INTO audit.runs SELECT * FROM public.sr; INSERT INTO audit.statements SELECT * "
         "FROM public.ss; INSERT INTO audit.files SELECT * FROM public.sf; "
         "DROP TABLE public.sr, public.ss, public.sf"),
        ("a run forged by the owner", forged,
         "INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, started_at, "
         "finished_at, status, mode) VALUES ('%s', repeat('0', 64), repeat('0', 64), "
         "'postgres', now(), now(), 'committed', 'bundle')" % forged,
         "DELETE FROM audit.runs WHERE id = '%s'" % forged),
    ]
    problems = []
    prevented = []
    for what, row, do, undo in tampers:
        try:
            env.q(do)  # one psql -c: all of it or none
        except Failure:
            prevented.append(what)  # the database refused the owner: nothing to detect
            continue
        try:
            rc, verdict, section, out = env.verify()
            if verdict != "NO-GO" or rc != 1:
                problems.append("%s: verify says %s (exit %d)" % (what, verdict, rc))
            elif row not in section:
                problems.append("%s: verify does not name %s:\n%s" % (what, row, section))
            a = env.run("audit", "verify")
            if a.returncode != 1 or row not in a.stdout + a.stderr:
                problems.append("%s: audit verify exit %d, naming %s: %s" % (
                    what, a.returncode, row, (a.stdout + a.stderr).strip()[:200]))
        finally:
            env.q(undo)
    check(not problems, "\n  ".join(problems))
    rc, verdict, _, out = env.verify()
    check(verdict == "GO", "verify after every change was undone: %s\n%s" % (verdict, out))
    return "%d kinds of tampering each NO-GO, naming the row%s" % (
        len(tampers) - len(prevented),
        "; refused outright: " + ", ".join(prevented) if prevented else "")


@case
def signed_bytes(env):
    """6: FIFOs do not hang `bundle verify` or `apply`; symlinks, unlisted files and any
    signature encoding but the canonical one are refused."""
    env.q("CREATE TABLE t (x int)")
    text = "INSERT INTO t VALUES (1);\n"
    orig = env.signed("b", [("a.sql", text)])
    pub = env.pubkey()
    env.run("bundle", "verify", orig, "--pubkey", pub, check_rc=0)
    outside = env.write("outside/a.sql", text)
    script = os.path.join("files", "src", "b", "a.sql")

    def replace(d, rel, how):
        p = os.path.join(d, rel)
        os.unlink(p)
        if how == "fifo":
            os.mkfifo(p)
        else:
            os.symlink(how, p)

    def sig(d, f):
        p = os.path.join(d, "manifest.sig")
        with open(p) as fh:
            s = fh.read()
        with open(p, "w") as fh:
            fh.write(f(s))

    variants = [
        ("FIFO as manifest", lambda d: replace(d, "manifest", "fifo")),
        ("FIFO as script", lambda d: replace(d, script, "fifo")),
        ("FIFO as signature", lambda d: replace(d, "manifest.sig", "fifo")),
        ("script a symlink to an identical file", lambda d: replace(d, script, outside)),
        ("manifest a symlink", lambda d: (shutil.copy(os.path.join(d, "manifest"),
                                                      env.path("outside", "manifest")),
                                          replace(d, "manifest", env.path("outside", "manifest")))),
        ("an unlisted file", lambda d: env.write(os.path.join(d, "files", "src", "b", "x.sql"),
                                                 "INSERT INTO t VALUES (2);\n")),
        ("signature in upper case", lambda d: sig(d, lambda s: s.upper())),
        ("signature with trailing garbage", lambda d: sig(d, lambda s: s.rstrip("\n") + "00\n")),
        ("signature with a space after it", lambda d: sig(d, lambda s: s.rstrip("\n") + " \n")),
    ]
    problems = []
    for i, (what, mutate) in enumerate(variants):
        d = env.path("v%d.bundle" % i)
        shutil.copytree(orig, d, symlinks=True)
        mutate(d)
        for args in (["bundle", "verify", d, "--pubkey", pub], ["apply", "--pubkey", pub, d]):
            t0 = time.monotonic()
            try:
                r = subprocess.run([env.pgward] + args, capture_output=True, text=True,
                                   cwd=env.dir, env=env.env(), timeout=BLOCK_BOUND)
            except subprocess.TimeoutExpired:
                problems.append("%s: pgward %s hung (killed after %gs)" % (
                    what, args[0], BLOCK_BOUND))
                continue
            pgtest.no_sanitizer_report(r.stderr, "pgward " + " ".join(args))
            if r.returncode not in (1, 2):
                problems.append("%s: pgward %s exit %d in %.1fs: %s" % (
                    what, " ".join(args[:2]), r.returncode, time.monotonic() - t0,
                    (r.stdout + r.stderr).strip()[:200]))
    rows = env.count("SELECT count(*) FROM t")
    check(not problems, "\n  ".join(problems))
    check(rows == 0, "an altered bundle ran: %d rows" % rows)
    return "%d alterations refused by bundle verify and apply, none hung" % len(variants)


class FifoFeeder:
    """Feeds a FIFO: the first reader to open it gets first, every later one then."""

    def __init__(self, path, first, then):
        import threading
        self.path, self.first, self.then = path, first, then
        self.opens = 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        import errno
        while not self.stop.is_set():
            try:
                with open(self.path, "wb") as f:  # blocks until a reader opens it
                    if self.stop.is_set():
                        return
                    f.write(self.first if self.opens == 0 else self.then)
                    self.opens += 1
            except OSError:
                return
            # one content per open: wait until that reader has closed (it sees EOF once
            # no writer is open, so probing with a writer and closing it is safe)
            deadline = time.monotonic() + WAIT
            while not self.stop.is_set() and time.monotonic() < deadline:
                try:
                    fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as e:
                    if e.errno == errno.ENXIO:
                        break  # no reader left
                    return
                os.close(fd)
                time.sleep(0.01)  # polling a condition (the reader gone), bounded

    def close(self):
        self.stop.set()
        try:  # a reader that opens and closes at once unblocks the writer's open
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
        self.t.join(WAIT)


@case
def signed_bytes_swapped(env):
    """6: the bytes checked are the bytes run: a script that is a FIFO yields the signed
    text to the first read and other SQL to every later one; apply refuses it (a FIFO is
    not a bundle file) and never runs the other SQL."""
    env.q("CREATE TABLE t (x int)")
    text = "INSERT INTO t VALUES (1);\n"
    b = env.signed("b", [("a.sql", text)])
    fifo = os.path.join(b, "files", "src", "b", "a.sql")
    os.unlink(fifo)
    os.mkfifo(fifo)
    feeder = FifoFeeder(fifo, text.encode(), b"INSERT INTO t VALUES (666);\n")
    try:
        try:
            r = subprocess.run([env.pgward] + env.apply_args(b), capture_output=True, text=True,
                               cwd=env.dir, env=env.env(), timeout=BLOCK_BOUND)
        except subprocess.TimeoutExpired:
            raise Failure("apply hung on a FIFO fed twice (killed after %gs)" % BLOCK_BOUND)
    finally:
        feeder.close()
    pgtest.no_sanitizer_report(r.stderr, "pgward apply")
    rows = at.table_rows(env, "t")
    check("666" not in rows, "apply ran SQL that is not in the signed bundle (read %d times): "
          "t holds %s" % (feeder.opens, rows))
    check(r.returncode in (1, 2), "exit %d with a FIFO as script (read %d times): %s" % (
        r.returncode, feeder.opens, (r.stdout + r.stderr).strip()[:200]))
    check(rows == "", "t holds " + rows)
    return "refused (exit %d), the FIFO read %d times" % (r.returncode, feeder.opens)


@case
def partition_signals(env):
    """7: a black-holed network: SIGINT or SIGTERM exits within SIGNAL_BOUND seconds, a
    second SIGINT at once, and the server releases the locks once the proxy is closed."""
    env.big_tables()
    b = env.signed("b", [("a.sql", big_script())])
    problems = []
    for attempt, sig, second, code in (("one SIGINT", signal.SIGINT, False, 130),
                                       ("one SIGTERM", signal.SIGTERM, False, 143),
                                       ("two SIGINTs", signal.SIGINT, True, None)):
        proxy = env.proxy()
        holder = env.hold()
        p = env.start(*env.apply_args(b, proxy=proxy))
        env.waiting_apply_pid()
        proxy.blackhole()
        t0 = time.monotonic()
        p.send_signal(sig)
        if second:
            env.wait_until(lambda: signal_delivered(p.pid, sig), "the first signal's delivery",
                           timeout=5)
            p.send_signal(sig)
        rc = wait_exit(p, SIGNAL_BOUND if not second else 5.0)
        took = time.monotonic() - t0
        if rc is None:
            problems.append("%s: still running after %.1fs" % (attempt, took))
            p.kill()
            p.wait()
        elif (code is not None and rc != code) or rc == 0:
            problems.append("%s: exit %d" % (attempt, rc))
        proxy.close()
        holder.release()
        try:
            env.wait_until(env.locks_released, "the server to release the apply lock")
        except Failure as e:
            problems.append("%s: %s" % (attempt, e))
        if env.count("SELECT count(*) FROM t"):
            problems.append("%s: rows committed" % attempt)
    check(not problems, "\n  ".join(problems))
    return "exits within the bound (SIGINT, SIGTERM, two SIGINTs), locks released"


@case
def password_redacted(env):
    """8: a malformed --db URI with a password: the password is in no output of apply,
    audit show, audit sync or verify."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", "INSERT INTO t VALUES (1);\n")])
    secret = "Fault9Secret"
    port = os.environ["PGPORT"]
    uris = [
        "postgresql://postgres:%s@127.0.0.1:%s/%s?sslmode=bogus" % (secret, port, env.db),
        "postgresql://postgres:%s@127.0.0.1:notaport/%s" % (secret, env.db),
        "postgresql://postgres:%s%%zz@127.0.0.1:%s/%s" % (secret, port, env.db),
        "postgresql://postgres:%s@127.0.0.1:%s/%s?nosuchoption=1" % (secret, port, env.db),
        "postgresql://postgres:%s@[127.0.0.1:%s/%s" % (secret, port, env.db),
        "postgresql://postgres:%s@127.0.0.1:%s/%s?connect_timeout=x" % (secret, port, env.db),
        "host=127.0.0.1 port=%s password=%s dbname=%s nosuchkey=1" % (port, secret, env.db),
        "host=127.0.0.1 port=%s password='%s dbname=%s" % (port, secret, env.db),
    ]
    problems = []
    for uri in uris:
        for args in (["apply", "--db", uri, "--pubkey", env.pubkey(), b],
                     ["audit", "show", "--db", uri], ["audit", "sync", "--db", uri],
                     ["verify", "--db", uri, "--policy", "pgward.policy"]):
            r = env.run(*args)
            if secret in r.stdout + r.stderr:
                problems.append("%s with %r printed the password: %s" % (
                    " ".join(args[:2]), uri, (r.stdout + r.stderr).strip()[:200]))
    if os.path.exists(env.journal):
        with open(env.journal) as f:
            if secret in f.read():
                problems.append("the password is in the journal")
    check(not problems, "\n  ".join(problems))
    return "%d malformed connection strings, 4 commands, no password printed" % len(uris)


# ------------------------------------------------------------------ smaller faults

@case
def retry_statement_count(env):
    """The summary after a lock-timeout retry counts the bundle's statements once."""
    env.q("CREATE TABLE t (x int)")
    env.q("CREATE TABLE u (x int)")
    b = env.signed("b", [("a.sql", "INSERT INTO u VALUES (1);\nINSERT INTO u VALUES (2);\n"
                                   "INSERT INTO u VALUES (3);\nINSERT INTO t VALUES (1);\n")])
    holder = env.hold("t")
    p = env.start(*env.apply_args(b, "--lock-timeout", "100ms", "--retry", "10"))
    err = at.Reader(p.stderr)
    err.wait_for("retrying", "a retry after the lock timeout")
    holder.release()
    rc, out, text = at.finish(p, err_reader=err)
    check(rc == 0, "exit %d: %s" % (rc, text))
    check(at.table_rows(env, "u") == "1,2,3", "u: " + at.table_rows(env, "u"))
    m = re.search(r"applied (\d+) statements?", out)
    check(m and m.group(1) == "4", "summary after a retry: " + out.strip())
    return "applied 4 statements"


@case
def loss_blames_running_statement(env):
    """A lost connection is blamed on the statement the server was running (the gate),
    not the oldest unanswered pipelined one: the network is cut while the server waits
    at the gate, with the answers it had not flushed yet lost on the way."""
    env.big_tables()
    b = env.signed("b", [("a.sql", big_script())])
    proxy = env.proxy()
    holder = env.hold()
    p = env.start(*env.apply_args(b, proxy=proxy))
    pid = env.waiting_apply_pid()
    running = env.q("SELECT query FROM pg_stat_activity WHERE pid = %s" % pid)
    check("gate" in running, "the server runs: " + running)
    proxy.close_all()
    proxy.heal()  # a blip: pgward may reconnect to record the failure
    rc, out, err = at.finish(p)
    holder.release()
    check(rc == 3, "exit %d: %s" % (rc, err))
    lines = re.findall(r"src/b/a\.sql:(\d+):", err)
    check(lines and lines[0] == str(GATE_LINE),
          "blamed line %s, the server was running line %d: %s" % (
              lines[0] if lines else "none", GATE_LINE, err.strip()[:300]))
    run = env.only_run()
    env.run("audit", "sync")
    failed = env.q("SELECT string_agg(line::text, ',' ORDER BY line) FROM audit.statements "
                   "WHERE run_id = '%s' AND status = 'failed'" % run)
    check(failed in ("", str(GATE_LINE)), "statements the server had finished recorded failed: "
          "lines %s" % failed)
    return "blamed line %d" % GATE_LINE


@case
def audit_insert_not_timed(env):
    """pgward's own audit insert does not count against --statement-timeout: thousands of
    statements that fit it, an audit insert that would not (a trigger on audit.statements
    makes it take 3 s, so the case does not depend on the machine's speed)."""
    env.q("CREATE TABLE t (x int)")
    env.run(*env.apply_args(env.signed("init", [("i.sql", "SELECT 1;\n")])), check_rc=0)
    env.q("CREATE FUNCTION public.slow_audit() RETURNS trigger LANGUAGE plpgsql AS "
          "$$BEGIN PERFORM pg_sleep(3); RETURN NULL; END$$")
    env.q("CREATE TRIGGER slow AFTER INSERT ON audit.statements FOR EACH STATEMENT "
          "EXECUTE FUNCTION public.slow_audit()")
    n = 2000
    b = env.signed("b", [("a.sql", big_script(n=n, gate_at=None))])
    r = env.run(*env.apply_args(b, "--statement-timeout", "1500ms"))
    check(r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr.strip()[:300]))
    check(env.count("SELECT count(*) FROM t") == n, "rows: " + env.q("SELECT count(*) FROM t"))
    run = env.only_run()
    ok = env.count("SELECT count(*) FROM audit.statements WHERE run_id = '%s' AND status = 'ok'"
                   % run)
    check(ok == n, "%d audit rows ok" % ok)
    return "%d statements under a 1.5 s statement_timeout, audit insert not cut" % n


@case
def killed_run_journal_loss(env):
    """SIGKILL mid-run loses at most the in-flight statement's journal record: the journal
    holds a record for every statement whose answer reached pgward but one. (Answers the
    server has not flushed yet -- pipelined statements since its last flush -- are still
    in flight; the proxy counts what reached pgward.)"""
    env.q("CREATE SEQUENCE s")
    env.big_tables()
    b = env.signed("b", [("a.sql", big_script(stmt="INSERT INTO t VALUES (nextval('s'));"))])
    proxy = env.proxy()
    holder = env.hold()
    p = env.start(*env.apply_args(b, proxy=proxy))
    env.waiting_apply_pid()
    executed = env.count("SELECT last_value FROM s")  # sequences ignore the rollback
    run = env.only_run()

    def recorded():
        return sum(1 for r in env.journal_records() if r["run"] == run and
                   r["event"] == "statement")

    def answered():
        with proxy.cond:
            return proxy.delivered["INSERT 0 1"]
    try:
        env.wait_until(lambda: recorded() >= answered() - 1, "the journal to catch up",
                       timeout=15)
    except Failure:
        pass  # judged below, after the kill
    answers = answered()  # the server is at the gate: no answer arrives before the kill
    p.kill()
    p.wait()
    holder.release()
    n = recorded()
    check(answers > 0, "no answer reached pgward before the gate")
    check(n >= answers - 1, "%d answers reached pgward (the server executed %d statements), "
          "the journal of the killed run holds %d statement records" % (answers, executed, n))
    return "%d executed, %d answered, %d journal records" % (executed, answers, n)


@case
def unsigned_manifest_checks(env):
    """Without --pubkey: an invalid manifest.sig is an error, a manifest missing its last
    file lines is refused, a manifest cut to its header is refused."""
    env.q("CREATE TABLE t (x int)")
    files = [("a.sql", "INSERT INTO t VALUES (1);\n"), ("b.sql", "INSERT INTO t VALUES (2);\n"),
             ("c.sql", "INSERT INTO t VALUES (3);\n")]
    signed = env.signed("s", files)
    unsigned = env.bundle("u", files)

    def edit(src, name, f):
        d = env.path(name)
        shutil.copytree(src, d)
        f(d)
        return d

    def manifest(d, f):
        p = os.path.join(d, "manifest")
        with open(p) as fh:
            lines = fh.read().splitlines(True)
        with open(p, "w") as fh:
            fh.write("".join(f(lines)))

    def bad_sig(d):
        p = os.path.join(d, "manifest.sig")
        with open(p) as fh:
            s = fh.read()
        with open(p, "w") as fh:
            fh.write(("1" if s[0] != "1" else "2") + s[1:])

    variants = [
        ("an invalid manifest.sig", edit(signed, "badsig", bad_sig)),
        ("a manifest missing its last file line",
         edit(unsigned, "cutlast", lambda d: manifest(d, lambda ls: ls[:-1]))),
        ("a manifest cut to its header", edit(unsigned, "header", lambda d: manifest(
            d, lambda ls: [x for x in ls if not x.startswith("file ")]))),
    ]
    problems = []
    for what, d in variants:
        r = env.run("apply", d)
        if r.returncode == 0:
            problems.append("%s: applied (exit 0): %s" % (what, r.stdout.strip()))
    rows = at.table_rows(env, "t")
    check(not problems, "\n  ".join(problems))
    check(rows == "", "t holds " + rows)
    return "3 damaged manifests refused without --pubkey"


@case
def no_txn_commit_message(env):
    """After no-transaction statements committed, a failure never says "nothing was
    committed"."""
    env.q("CREATE TABLE t (x int)")
    b = env.signed("b", [("a.sql", "-- pgward:no-transaction\nINSERT INTO t VALUES (1);\n"
                                   "INSERT INTO missing VALUES (2);\n")])
    r = env.run(*env.apply_args(b))
    check(r.returncode == 3, "exit %d: %s" % (r.returncode, r.stderr))
    check(at.table_rows(env, "t") == "1", "t: " + at.table_rows(env, "t"))
    check("nothing was committed" not in r.stderr, "says nothing was committed:\n" + r.stderr)
    return "the committed statement is not denied"


# ------------------------------------------------------------------ runner

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pgward", required=True)
    ap.add_argument("--case", action="append", default=[], help="run only these (exact names)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--expect", nargs="*", help="exit 1 unless these are exactly the cases")
    args = ap.parse_args()
    if args.list:
        print("\n".join(fn.__name__ for fn in CASES))
        return 0
    if args.expect is not None:
        have, want = {fn.__name__ for fn in CASES}, set(args.expect)
        for name in sorted(have - want):
            print("FAIL %s: a case not registered in tests/faults/CMakeLists.txt" % name)
        for name in sorted(want - have):
            print("FAIL %s: registered in tests/faults/CMakeLists.txt, not a case" % name)
        return 1 if have != want else 0
    unknown = set(args.case) - {fn.__name__ for fn in CASES}
    if unknown:
        print("faults_test.py: unknown case: %s" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    pgward = os.path.abspath(args.pgward)
    passed = failed = skipped = 0
    for fn in CASES:
        if args.case and fn.__name__ not in args.case:
            continue
        env = None
        try:
            env = FaultEnv(pgward, fn.__name__)
            what = fn(env)
            print("PASS %s: %s" % (fn.__name__, what or "as specified"), flush=True)
            passed += 1
        except Skip as e:
            print("SKIP %s: %s" % (fn.__name__, e), flush=True)
            skipped += 1
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
            print("FAIL %s: %s" % (fn.__name__, detail), flush=True)
        finally:
            if env:
                try:
                    env.close()
                except Exception as e:  # noqa: BLE001
                    failed += 1
                    print("FAIL %s: cleanup: %s" % (fn.__name__, e), flush=True)
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed or not (passed or skipped):
        return 1
    return 77 if skipped and not passed else 0  # 77: ctest's SKIP_RETURN_CODE


if __name__ == "__main__":
    sys.exit(main())
