#!/usr/bin/env python3
"""Integration tests of `pgward apply` and `pgward audit` against a real PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/apply_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, folder and journal. Waiting is always for a
condition (a row in pg_stat_activity, a line on a pipe), bounded by a timeout, never
a sleep. Each test checks the invariant the audit trail promises: no committed change
without its audit record, no audit record of a change that did not commit, and the
journal and the audit tables agree (after `audit sync` where the test crashes pgward).

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import resource
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from pgtest import WAIT, Failure, check, no_sanitizer_report, run_on_tty, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))

POLICY = """
role postgres {
    unrestricted;
    grant all on schema public;
}
role app_writer {
    restricted;
    grant select, insert, update, delete on schema public;
}
default role postgres;
set lock_timeout = "30s";
"""


class Env:
    """One test's database, folder, journal and helpers."""

    def __init__(self, pgward, name):
        self.pgward = pgward
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="pgward-apply-%s-" % name)
        self.db = "t_" + name
        self.journal = os.path.join(self.dir, "journal.jsonl")
        self.procs = []
        self.psql_admin("DROP DATABASE IF EXISTS %s" % self.db, db="postgres")
        self.psql_admin("CREATE DATABASE %s" % self.db, db="postgres")
        self.write("pgward.policy", POLICY)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, rel, text):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def env(self, **extra):
        e = dict(os.environ)
        e["PGDATABASE"] = self.db
        e["PGWARD_JOURNAL"] = self.journal
        e.update(extra)
        return e

    def psql_admin(self, sql, db=None):
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                            db or self.db, "-c", sql], capture_output=True, text=True,
                           timeout=WAIT)
        if r.returncode != 0:
            raise Failure("psql failed: %s: %s" % (sql, r.stderr.strip()))
        return r.stdout.strip()

    def q(self, sql):
        return self.psql_admin(sql)

    def run(self, *args, check_rc=None, env=None, input=None, preexec_fn=None):
        r = subprocess.run([self.pgward] + list(args), capture_output=True, text=True,
                           cwd=self.dir, env=env or self.env(), timeout=WAIT * 2,
                           input=input, preexec_fn=preexec_fn)
        no_sanitizer_report(r.stderr, "pgward " + " ".join(args))
        if check_rc is not None and r.returncode != check_rc:
            raise Failure("pgward %s: exit %d, expected %d\nstdout: %s\nstderr: %s" % (
                " ".join(args), r.returncode, check_rc, r.stdout, r.stderr))
        return r

    def start(self, *args, env=None):
        p = subprocess.Popen([self.pgward] + list(args), cwd=self.dir, env=env or self.env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def bundle(self, name, files, role="postgres", extra=()):
        """Writes files {rel: text}, bundles them in that order, returns the bundle."""
        paths = [self.write(os.path.join("src", name, rel), text) for rel, text in files]
        out = self.path(name + ".bundle")
        shutil.rmtree(out, ignore_errors=True)
        rels = [os.path.relpath(p, self.dir) for p in paths]
        self.run("bundle", "--policy", "pgward.policy", "--role", role, "-o", out,
                 *extra, *rels, check_rc=0)
        return out

    def wait_for(self, sql, what):
        """Waits until sql returns a non-empty first value other than 'f'/'0'."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            v = self.psql_admin(sql, db="postgres")
            if v and v not in ("f", "0"):
                return v
            time.sleep(0.05)  # polling a condition, bounded by WAIT
        raise Failure("timed out waiting for " + what)

    def waiting_apply_pid(self):
        """The backend pid of an apply blocked on a lock in this test's database."""
        return self.wait_for(
            "SELECT pid FROM pg_stat_activity WHERE datname = '%s' AND application_name "
            "LIKE 'pgward apply %%' AND application_name NOT LIKE '%%(lock)' AND "
            "wait_event_type = 'Lock' LIMIT 1" % self.db, "apply to wait on a lock")

    def journal_runs(self):
        runs = {}
        if not os.path.exists(self.journal):
            return runs
        with open(self.journal) as f:
            for line in f:
                rec = json.loads(line)
                runs.setdefault(rec["run"], []).append(rec)
        return runs

    def audit_runs(self):
        out = self.q("SELECT coalesce(json_agg(json_build_object('id', id, 'status', status, "
                     "'message', message) ORDER BY started_at), '[]') FROM audit.runs")
        return {r["id"]: r for r in json.loads(out)}

    def audit_statements(self, run):
        out = self.q("SELECT coalesce(json_agg(s ORDER BY seq), '[]') FROM audit.statements s "
                     "WHERE run_id = '%s'" % run)
        return json.loads(out)

    def check_agreement(self):
        """The journal and the audit tables tell the same story, every run audited."""
        jr = self.journal_runs()
        ar = self.audit_runs()
        for run, recs in jr.items():
            events = [r["event"] for r in recs]
            check("audited" in events, "run %s not audited in the journal: %s" % (run, events))
            check(run in ar, "run %s of the journal missing from audit.runs" % run)
            end = [r for r in recs if r["event"] == "end"]
            if end:
                check(ar[run]["status"] == end[-1]["status"],
                      "run %s: journal says %s, audit.runs says %s" % (
                          run, end[-1]["status"], ar[run]["status"]))
            check(ar[run]["status"] != "running", "run %s still 'running' in audit" % run)
        for run in ar:
            check(run in jr, "audit run %s not in the journal" % run)
            # no audit record of a change that did not commit: rows 'ok' inside a
            # transaction only for transactions that committed (or whose COMMIT was
            # sent and the database confirms: then the rows are there because of it)
            events = jr[run]
            committed = {r["txn"] for r in events if r["event"] in ("commit", "commit-pending")}
            rolled_back = {r["txn"] for r in events if r["event"] == "rollback"}
            # each statement's locks, as the journal has them (audit sync replays them)
            want = {r["seq"]: r["locks"] for r in events
                    if r["event"] == "statement" and "locks" in r}
            got = json.loads(self.q(
                "SELECT coalesce(json_object_agg(seq, locks), '{}') FROM (SELECT seq, "
                "json_agg(json_build_object('relation', relation, 'mode', mode, 'created', "
                "created) ORDER BY ord) FILTER (WHERE relation IS NOT NULL) AS locks "
                "FROM audit.locks WHERE run_id = '%s' GROUP BY seq) x" % run))
            rows = {s["seq"] for s in self.audit_statements(run)}
            for seq, locks in want.items():
                if seq not in rows:
                    continue
                expect = [dict(lk, created=lk.get("created", False)) for lk in locks]
                check((got.get(str(seq)) or []) == expect,
                      "run %s statement %d: audit.locks %s, journal %s"
                      % (run, seq, got.get(str(seq)), expect))
            for s in self.audit_statements(run):
                if s["status"] == "ok" and s["txn"] > 0:
                    check(s["txn"] in committed and s["txn"] not in rolled_back,
                          "run %s: statement %d 'ok' in transaction %d that did not commit"
                          % (run, s["seq"], s["txn"]))
                if s["txn"] in rolled_back:
                    check(s["status"] != "ok", "run %s: rolled-back statement %d recorded ok"
                          % (run, s["seq"]))


class Reader:
    """Collects a pipe's lines on a thread so a test can wait for one."""

    def __init__(self, pipe):
        import queue
        import threading
        self.lines = []
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.t.start()

    def _run(self, pipe):
        for line in pipe:
            self.q.put(line)
        self.q.put(None)

    def wait_for(self, pattern, what):
        import queue
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.q.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise Failure("timed out waiting for %s; got: %s" % (what, "".join(self.lines)))

    def text(self):
        self.t.join(timeout=WAIT)
        while not self.q.empty():
            line = self.q.get()
            if line is not None:
                self.lines.append(line)
        return "".join(self.lines)


class LockHolder:
    """A psql session holding ACCESS EXCLUSIVE on a table until release()."""

    def __init__(self, env, table):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", env.db], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        env.procs.append(self.p)
        self.out = Reader(self.p.stdout)
        self.p.stdin.write("BEGIN;\nLOCK TABLE %s IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n"
                           % table)
        self.p.stdin.flush()
        self.out.wait_for(r"^locked", "the lock holder")

    def release(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("COMMIT;\n")
                self.p.stdin.close()
            except BrokenPipeError:
                pass
            self.p.wait(timeout=WAIT)


class BlackHoleProxy:
    """A loopback TCP proxy to the test server that can black-hole its connections:
    hole() stops forwarding both ways and keeps every socket open (later connections
    are accepted and held, never forwarded), as a network partition looks to both
    ends; heal() then closes them all, as the partition ending with the client gone.
    Minimal and local to these tests."""

    def __init__(self):
        import socket
        import threading
        self.socket = socket
        self.target = ("127.0.0.1", int(os.environ["PGPORT"]))
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.pairs = {}       # socket -> its peer
        self.held = []        # accepted while holed
        self.holed = False
        self.stopping = False
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = os.pipe()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _wake(self):
        os.write(self.wake_w, b"x")

    def _run(self):
        import select
        while not self.stopping:
            with self.lock:
                watch = [self.lsock, self.wake_r] + ([] if self.holed else list(self.pairs))
            try:
                ready, _, _ = select.select(watch, [], [])
            except (OSError, ValueError):  # heal() closed a socket under select
                continue
            for s in ready:
                if s == self.wake_r:
                    os.read(self.wake_r, 64)
                elif s == self.lsock:
                    c, _ = self.lsock.accept()
                    with self.lock:
                        if self.holed:
                            self.held.append(c)
                            continue
                    srv = self.socket.create_connection(self.target)
                    with self.lock:
                        self.pairs[c] = srv
                        self.pairs[srv] = c
                else:
                    with self.lock:
                        if self.holed or s not in self.pairs:
                            continue
                        peer = self.pairs[s]
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    try:
                        if data:
                            peer.sendall(data)
                            continue
                    except OSError:
                        pass
                    self._drop(s)

    def _drop(self, s):
        with self.lock:
            peer = self.pairs.pop(s, None)
            if peer is not None:
                self.pairs.pop(peer, None)
        for x in (s, peer):
            if x is not None:
                x.close()

    def held_count(self):
        with self.lock:
            return len(self.held)

    def hole(self):
        with self.lock:
            self.holed = True
        self._wake()

    def heal(self):
        with self.lock:
            socks = list(self.pairs) + self.held
            self.pairs = {}
            self.held = []
            self.holed = False
        for s in socks:
            s.close()
        self._wake()

    def close(self):
        self.stopping = True
        self.heal()
        self.t.join(timeout=WAIT)
        self.lsock.close()
        os.close(self.wake_r)
        os.close(self.wake_w)


def finish(p, timeout=WAIT * 2, err_reader=None):
    if err_reader:  # stderr belongs to the reader's thread
        out = p.stdout.read()
        p.wait(timeout=timeout)
        err = err_reader.text()
    else:
        out, err = p.communicate(timeout=timeout)
    no_sanitizer_report(err, "pgward")
    return p.returncode, out, err


def pg_ctl(*args):
    cmd = [os.path.join(os.environ["PGWARD_PG_BINDIR"], "pg_ctl")] + list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=WAIT * 2)
    if r.returncode != 0:
        raise Failure("pg_ctl %s: %s %s" % (" ".join(args), r.stdout, r.stderr))


def restart_server_immediately():
    data = os.path.join(os.environ["PGWARD_PG_DIR"], "data")
    pg_ctl("stop", "-D", data, "-m", "immediate", "-w")
    return data


def start_server(data):
    pg_ctl("start", "-D", data, "-w", "-t", "60",
           "-l", os.path.join(os.environ["PGWARD_PG_DIR"], "server.log"),
           "-o", "-p %s" % os.environ["PGPORT"])


def no_apply_session(env):
    env.wait_for("SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = '%s' AND "
                 "application_name LIKE 'pgward apply %%'" % env.db, "the apply session to end")


def table_rows(env, table):
    return env.q("SELECT coalesce(string_agg(x::text, ',' ORDER BY x), '') FROM %s" % table)


# ---------------------------------------------------------------- tests

@test
def applies_and_records(env):
    env.q("CREATE TABLE t (x int PRIMARY KEY)")
    b = env.bundle("b", [("01.sql", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2), (3);\n"),
                         ("02.sql", "UPDATE t SET x = x + 10 WHERE x > 1;\n")])
    r = env.run("apply", b, check_rc=0)
    check("applied 3 statements in 2 files" in r.stdout, "summary: " + r.stdout)
    check(table_rows(env, "t") == "1,12,13", "table: " + table_rows(env, "t"))
    runs = env.audit_runs()
    check(len(runs) == 1 and list(runs.values())[0]["status"] == "committed", str(runs))
    run = list(runs)[0]
    st = env.audit_statements(run)
    check([s["status"] for s in st] == ["ok"] * 3, str(st))
    check([s["rows_affected"] for s in st] == [1, 2, 2], str(st))
    check([s["command_tag"] for s in st] == ["INSERT 0 1", "INSERT 0 2", "UPDATE 2"], str(st))
    check(env.q("SELECT count(*) FROM audit.files") == "2", "file history")
    env.check_agreement()
    # again: every file applied with the same checksum is skipped
    r = env.run("apply", b, check_rc=0)
    check("nothing to apply" in r.stdout, r.stdout)
    check(table_rows(env, "t") == "1,12,13", "re-apply changed the table")
    # an edited file under the same path is refused before anything is sent
    b2 = env.bundle("b", [("01.sql", "INSERT INTO t VALUES (4);\n"),
                          ("02.sql", "UPDATE t SET x = x + 10 WHERE x > 1;\n")])
    r = env.run("apply", b2, check_rc=1)
    check("has changed" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "1,12,13", "refused apply changed the table")
    check(len(env.audit_runs()) == 1, "a refused apply started a run")
    r = env.run("audit", "show", check_rc=0)
    check(run in r.stdout and "committed" in r.stdout, r.stdout)
    r = env.run("audit", "show", "--run", run, "--format", "json", check_rc=0)
    check(len(json.loads(r.stdout)["statements"]) == 3, r.stdout)


@test
def records_locks_per_statement(env):
    """Each statement's relation locks: pipelined, through the interpreter, in a
    no-transaction file's own transactions; not observed outside a transaction;
    a relation the run created is marked; a hostile search_path changes nothing."""
    env.q("CREATE TABLE t (x int PRIMARY KEY); CREATE TABLE u (a int); CREATE TABLE v (b int); "
          "CREATE TABLE w (c int)")
    env.q("CREATE SCHEMA evil; CREATE FUNCTION evil.never(oid, oid) RETURNS bool "
          "LANGUAGE sql AS 'SELECT false'; CREATE OPERATOR evil.= (LEFTARG = oid, "
          "RIGHTARG = oid, FUNCTION = evil.never)")
    b = env.bundle("b", [
        ("01.sql", "INSERT INTO t VALUES (1);\nALTER TABLE t ADD COLUMN y int;\n"
                   "SELECT count(*) FROM u;\nCREATE TABLE n (z int);\nDROP TABLE u;\n"
                   "SET search_path = evil, pg_catalog;\nLOCK TABLE public.v IN SHARE MODE;\n"
                   "RESET search_path;\nDROP TABLE w;\n"),
        ("02.sql", "SELECT count(*) AS c FROM t \\gset\nUPDATE t SET y = :c;\n"),
        ("03.sql", "-- pgward:no-transaction\nCREATE INDEX CONCURRENTLY t_y ON t (y);\n"
                   "UPDATE t SET y = 2;\n")])
    env.run("apply", b, check_rc=0)
    run = list(env.audit_runs())[0]
    rows = json.loads(env.q(
        "SELECT json_agg(json_build_array(s.seq, s.command_tag, (SELECT json_agg(json_build_array("
        "l.relation, l.mode, l.created) ORDER BY l.ord) FROM audit.locks l WHERE l.run_id = "
        "s.run_id AND l.seq = s.seq)) ORDER BY s.seq) FROM audit.statements s "
        "WHERE s.run_id = '%s'" % run))
    got = {seq: locks for seq, _, locks in rows}
    X, RX, AS = "AccessExclusiveLock", "RowExclusiveLock", "AccessShareLock"
    check(got[1] == [["public.t", RX, False]], rows)      # the pkey index's is left out
    check(got[2] == [["public.t", X, False]], rows)
    check(got[3] == [["public.u", AS, False]], rows)
    check(got[4] == [["public.n", X, True]], rows)        # created by the run
    check(got[5] == [["public.u", X, False]], rows)       # dropped: the name it had
    check(got[6] == [[None, None, False]], rows)          # SET: observed, none taken
    check(got[7] == [["public.v", "ShareLock", False]], rows)  # evil's = not used
    check(got[8] == [[None, None, False]], rows)
    # dropped before the transaction first locked it: no name left, its oid
    check(re.match(r"dropped relation \(oid \d+\)$", got[9][0][0] or "") and got[9][0][1] == X,
          rows)
    check(got[10] == [["public.t", AS, False]], rows)     # \gset: the interpreter's path
    check(got[11] == [[None, None, False]], rows)         # RowExclusive on t held already
    check(got[12] is None, rows)                          # CONCURRENTLY: not observed
    check(got[13] == [["public.t", RX, False]], rows)     # its own transaction
    env.check_agreement()
    out = env.run("audit", "show", "--run", run, check_rc=0).stdout
    check("CREATE TABLE; locks: ACCESS EXCLUSIVE public.n (created by the run)\n" in out, out)
    check("CREATE INDEX; locks: not observed (it ran outside a transaction)\n" in out, out)


@test
def lock_windows_cover_dml(env):
    """A run of DML shares its lock listings (windows): every statement is still
    covered, a lock first taken inside a window is recorded as taken by one of its
    statements and held from the first; DDL is listed alone."""
    env.q("CREATE TABLE t (x int PRIMARY KEY); CREATE TABLE x (y int)")
    body = "".join("INSERT INTO t VALUES (%d);\n" % i for i in range(1, 301))
    body += "INSERT INTO x VALUES (1);\n"
    body += "".join("INSERT INTO t VALUES (%d);\n" % i for i in range(301, 311))
    body += "ALTER TABLE x ADD COLUMN z int;\nINSERT INTO t VALUES (0);\n"
    b = env.bundle("b", [("01.sql", body)])
    env.run("apply", b, check_rc=0)
    run = list(env.audit_runs())[0]
    n = 313
    check(env.q("SELECT count(*) FROM audit.statements WHERE run_id = '%s'" % run) == str(n),
          "statements")
    # every statement is covered by exactly one listing: its own or a window's
    uncovered = env.q(
        "SELECT coalesce(string_agg(s.seq::text, ','), '') FROM audit.statements s WHERE "
        "s.run_id = '%s' AND (SELECT count(DISTINCT k.seq) FROM audit.locks k WHERE "
        "k.run_id = s.run_id AND (k.seq = s.seq OR (k.seq > s.seq AND k.since <= s.seq))) "
        "<> 1" % run)
    check(uncovered == "", "statements not covered by exactly one listing: " + uncovered)
    listings = int(env.q("SELECT count(DISTINCT seq) FROM audit.locks WHERE run_id = '%s'"
                         % run))
    check(listings < n, "no window shared a listing: %d listings" % listings)
    # x's lock: on the listing after statement 301 or later, the window including 301
    row = env.q("SELECT seq || ' ' || coalesce(since, seq) || ' ' || mode FROM audit.locks "
                "WHERE run_id = '%s' AND relation = 'public.x' ORDER BY seq LIMIT 1" % run)
    seq, since, mode = row.split()
    check(int(since) <= 301 <= int(seq) and mode == "RowExclusiveLock", row)
    # DDL alone, exactly: ALTER TABLE is statement 312
    check(env.q("SELECT coalesce(since::text, 'exact') || ' ' || mode FROM audit.locks "
                "WHERE run_id = '%s' AND seq = 312" % run) == "exact AccessExclusiveLock",
          "the ALTER's lock")
    env.check_agreement()
    out = env.run("audit", "show", "--run", run, check_rc=0).stdout
    check(re.search(r"locks: listed with statement \d+\n", out) or listings == n, out)


@test
def many_locks_listed_in_windows(env):
    """A transaction past LOCKS_MANY (512) relation locks lists every kind of
    statement in windows (a listing reads every lock the session holds): still every
    statement covered, the existing table's ACCESS EXCLUSIVE recorded from a
    statement at or before the ALTER, fewer listings than statements."""
    env.q("CREATE TABLE x (y int)")
    body = "".join("CREATE TABLE t%d (a int PRIMARY KEY);\n" % i for i in range(1, 401))
    body += "ALTER TABLE x ADD COLUMN z int;\n"
    body += "".join("CREATE TABLE u%d (a int);\n" % i for i in range(1, 21))
    env.run("apply", env.bundle("b", [("01.sql", body)]), check_rc=0)
    run = list(env.audit_runs())[0]
    n = 421
    uncovered = env.q(
        "SELECT coalesce(string_agg(s.seq::text, ','), '') FROM audit.statements s WHERE "
        "s.run_id = '%s' AND (SELECT count(DISTINCT k.seq) FROM audit.locks k WHERE "
        "k.run_id = s.run_id AND (k.seq = s.seq OR (k.seq > s.seq AND k.since <= s.seq))) "
        "<> 1" % run)
    check(uncovered == "", "statements not covered by exactly one listing: " + uncovered)
    listings = int(env.q("SELECT count(DISTINCT seq) FROM audit.locks WHERE run_id = '%s'"
                         % run))
    check(listings < n, "every statement listed alone: %d listings" % listings)
    row = env.q("SELECT seq || ' ' || coalesce(since, seq) FROM audit.locks WHERE run_id = '%s' "
                "AND relation = 'public.x' AND mode = 'AccessExclusiveLock'" % run)
    seq, since = (int(v) for v in row.split())
    check(since <= 401 <= seq, "x's lock: " + row)
    # the created tables' locks are marked so: no budget counts them
    check(env.q("SELECT count(*) FROM audit.locks WHERE run_id = '%s' AND relation LIKE "
                "'public.t%%' AND NOT created AND mode = 'AccessExclusiveLock' AND "
                "relation NOT LIKE '%%_pkey'" % run) == "0", "a created table not marked")
    env.check_agreement()


@test
def created_only_by_statements_before_the_listing(env):
    """An existing table locked before a CREATE of the same name elsewhere is not
    marked created, though the pipeline sends the CREATE before the lock's listing
    comes back (a budget would otherwise ignore a real lock)."""
    env.q("CREATE SCHEMA app; CREATE TABLE app.t (a int)")
    body = "LOCK TABLE app.t IN ACCESS EXCLUSIVE MODE;\nCREATE TABLE t (a int);\n"
    env.run("apply", env.bundle("b", [("01.sql", body)]), check_rc=0)
    run = list(env.audit_runs())[0]
    rows = env.q("SELECT string_agg(seq || ' ' || relation || ' ' || created, ',' ORDER BY seq) "
                 "FROM audit.locks WHERE run_id = '%s' AND mode = 'AccessExclusiveLock'" % run)
    check(rows == "1 app.t false,2 public.t true", rows)


@test
def all_or_nothing(env):
    env.q("CREATE TABLE t (x int PRIMARY KEY)")
    env.q("INSERT INTO t VALUES (100)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\nUPDATE t SET x = x + 1000;\n"),
                         ("b.sql", "INSERT INTO t VALUES (2);\n\nSELECT x,\n       nosuch FROM t;\n"
                                   "INSERT INTO t VALUES (3);\n")])
    r = env.run("apply", b, check_rc=3)
    check(re.search(r"src/b/b\.sql:4:8: error: column \"nosuch\" does not exist \[SQLSTATE 42703\]",
                    r.stderr), "error position: " + r.stderr)
    check(table_rows(env, "t") == "100", "table changed: " + table_rows(env, "t"))
    runs = env.audit_runs()
    check(len(runs) == 1, str(runs))
    run, info = list(runs.items())[0]
    check(info["status"] == "failed", str(info))
    st = env.audit_statements(run)
    check([s["status"] for s in st] == ["rolled-back"] * 3 + ["failed"], str(st))
    check(st[3]["sqlstate"] == "42703" and st[3]["line"] == 3, str(st[3]))
    check(st[3]["message"].startswith('src/b/b.sql:4:8: column "nosuch"'), str(st[3]))
    env.check_agreement()


@test
def refuses_tampered_and_unsigned(env):
    env.q("CREATE TABLE t (x int)")
    key = env.path("key")
    env.run("keygen", key, check_rc=0)
    other = env.path("other")
    env.run("keygen", other, check_rc=0)
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n")], extra=("--sign", key))
    env.run("apply", "--pubkey", other + ".pub", b, check_rc=1)
    unsigned = env.bundle("u", [("a.sql", "INSERT INTO t VALUES (1);\n")])
    r = env.run("apply", "--pubkey", key + ".pub", unsigned, check_rc=1)
    check("not signed" in r.stderr, r.stderr)
    with open(os.path.join(b, "files", "src", "b", "a.sql"), "a") as f:
        f.write("DELETE FROM t;\n")
    r = env.run("apply", "--pubkey", key + ".pub", b, check_rc=1)
    check("changed after bundling" in r.stderr, r.stderr)
    check(env.q("SELECT count(*) FROM t") == "0", "something ran")
    check(env.q("SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'") == "0",
          "a refused bundle still reached the database")


@test
def role_checked_or_set(env):
    env.q("CREATE TABLE t (x int)")
    env.q("CREATE ROLE app_writer")
    env.q("GRANT SELECT, INSERT ON t TO app_writer")
    b = env.bundle("b", [("a.sql", "INSERT INTO public.t VALUES (1);\n")], role="app_writer")
    r = env.run("apply", b, check_rc=1)
    check("connected as 'postgres' but the bundle runs as 'app_writer'" in r.stderr, r.stderr)
    env.run("apply", "--role", "postgres", b, check_rc=1)
    env.run("apply", "--set-role", b, check_rc=0)
    check(env.q("SELECT count(*) FROM t") == "1", "not applied")
    check(env.q("SELECT role || ' ' || db_user FROM audit.runs") == "app_writer postgres",
          "audit role")


@test
def lock_listing_refused_fails_the_run(env):
    """The lock listing runs in the statement's transaction, as the role: when the
    server refuses it (here: EXECUTE on pg_identify_object revoked in this database),
    the run fails saying so, nothing is committed, and the audit says failed."""
    env.q("CREATE TABLE t (x int)")
    env.q("DO $d$ BEGIN CREATE ROLE app_writer; EXCEPTION WHEN duplicate_object THEN "
          "NULL; END $d$")
    env.q("GRANT SELECT, INSERT ON t TO app_writer")
    env.q("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_identify_object(oid, oid, integer) "
          "FROM PUBLIC")
    b = env.bundle("b", [("a.sql", "INSERT INTO public.t VALUES (1);\n")], role="app_writer")
    r = env.run("apply", "--set-role", b, check_rc=3)
    check(re.search(r"src/b/a\.sql:1:1: error: cannot list the locks this statement took: "
                    r"permission denied for function pg_identify_object", r.stderr), r.stderr)
    check(env.q("SELECT count(*) FROM t") == "0", "applied although the run failed")
    check([v["status"] for v in env.audit_runs().values()] == ["failed"], env.audit_runs())
    env.check_agreement()


@test
def runtime_meta_commands_and_copy(env):
    env.q("CREATE TABLE t (x int, label text)")
    env.q("INSERT INTO t VALUES (1, 'one')")
    script = ("SELECT count(*) AS n FROM t \\gset\n"
              "\\if :n\n"
              "  \\echo found :n rows\n"
              "  INSERT INTO t VALUES (:n + 1, 'from gset');\n"
              "\\else\n"
              "  INSERT INTO t VALUES (-1, 'wrong branch');\n"
              "\\endif\n"
              "COPY t (x, label) FROM STDIN;\n10\tten\n11\televen\n\\.\n")
    b = env.bundle("b", [("a.sql", script)])
    r = env.run("apply", b, check_rc=0)
    check("found 1 rows" in r.stdout, "echo: " + r.stdout)
    check(table_rows(env, "t") == "1,2,10,11", "table: " + table_rows(env, "t"))
    run = list(env.audit_runs())[0]
    st = env.audit_statements(run)
    check([s["command_tag"] for s in st] == ["SELECT 1", "INSERT 0 1", "COPY 2"], str(st))


@test
def stops_at_quit(env):
    """psql stops reading a file at \\quit; apply sends nothing after it, sent in the
    pipeline (no run-time values) or through the interpreter (\\gset), and lint,
    bundle and apply agree on the statement count."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n\\quit\nINSERT INTO t VALUES (2);\n"),
                         ("b.sql", "SELECT 10 AS n \\gset\nINSERT INTO t VALUES (:n);\n\\q\n"
                                   "INSERT INTO t VALUES (:n + 1);\n"),
                         ("c.sql", "\\if false\n\\quit\n\\endif\nINSERT INTO t VALUES (3);\n")])
    r = env.run("apply", b, check_rc=0)
    check("applied 4 statements in 3 files" in r.stdout, "summary: " + r.stdout)
    check(table_rows(env, "t") == "1,3,10", "table: " + table_rows(env, "t"))
    st = env.audit_statements(list(env.audit_runs())[0])
    check([s["command_tag"] for s in st] == ["INSERT 0 1", "SELECT 1", "INSERT 0 1", "INSERT 0 1"],
          str(st))
    env.check_agreement()


@test
def dry_run_rolls_back(env):
    env.q("CREATE TABLE t (x int)")
    env.q("INSERT INTO t SELECT generate_series(1, 5)")
    b = env.bundle("b", [("a.sql", "UPDATE t SET x = x * 2 WHERE x > 2;\nDELETE FROM t WHERE x = 1;\n")])
    r = env.run("apply", "--dry-run", b, check_rc=0)
    check("UPDATE 3" in r.stdout and "DELETE 1" in r.stdout, r.stdout)
    # the time it took: the statements' added up, the run's, the slowest first
    m = re.search(r"^.*b\.bundle: dry run time: ([0-9.]+) ms in 2 statements, ([0-9]+) ms for "
                  r"the run \(with BEGIN, the audit rows and ROLLBACK\); slowest: src/b/a\.sql:([12]) \(([0-9.]+) ms\), "
                  r"src/b/a\.sql:([12]) \(([0-9.]+) ms\)$", r.stdout, re.M)
    check(m, r.stdout)
    check(float(m.group(4)) >= float(m.group(6)) and {m.group(3), m.group(5)} == {"1", "2"},
          r.stdout)
    check(abs(float(m.group(4)) + float(m.group(6)) - float(m.group(1))) < 0.2, r.stdout)
    check(float(m.group(1)) <= float(m.group(2)) + 1, r.stdout)
    check(table_rows(env, "t") == "1,2,3,4,5", "dry run changed the table")
    runs = env.audit_runs()
    check([v["status"] for v in runs.values()] == ["dry-run"], str(runs))
    st = env.audit_statements(list(runs)[0])
    check([s["status"] for s in st] == ["rolled-back"] * 2, str(st))
    check(env.q("SELECT count(*) FROM audit.files") == "0", "a dry run recorded file history")
    env.run("apply", b, check_rc=0)  # not skipped: the dry run applied nothing
    check(table_rows(env, "t") == "2,6,8,10", "table: " + table_rows(env, "t"))
    env.check_agreement()
    # pipelined, a statement's time starts at the previous answer: the quick one
    # after a slow one is not charged the slow one's time
    slow = env.bundle("slow", [("s.sql", "SELECT pg_sleep(0.3);\nSELECT 1;\n")])
    r = env.run("apply", "--dry-run", slow, check_rc=0)
    m = re.search(r"slowest: src/slow/s\.sql:1 \(([0-9.]+) ms\), src/slow/s\.sql:2 "
                  r"\(([0-9.]+) ms\)$", r.stdout, re.M)
    check(m and float(m.group(1)) >= 300 and float(m.group(2)) < 150, r.stdout)


LOCKED_BUNDLE = [("a.sql", "INSERT INTO t VALUES (1);\n"),
                 ("b.sql", "INSERT INTO t VALUES (2);\nINSERT INTO t VALUES (3);\n")]


def blocked_apply(env):
    """An apply of LOCKED_BUNDLE waiting on a lock another session holds on t.
    Returns (holder, process, the apply's backend pid)."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", LOCKED_BUNDLE)
    holder = LockHolder(env, "t")
    p = env.start("apply", b)
    return holder, p, env.waiting_apply_pid()


def killed_while_waiting(env, b):
    """Applies b while another session locks t, SIGKILLs pgward once it waits on that
    lock, releases the lock and waits until the server has no pgward session left."""
    holder = LockHolder(env, "t")
    p = env.start("apply", b)
    env.waiting_apply_pid()
    p.kill()
    p.wait()
    holder.release()
    no_apply_session(env)


@test
def lock_timeout_then_retry(env):
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", LOCKED_BUNDLE)
    holder = LockHolder(env, "t")
    r = env.run("apply", "--lock-timeout", "100ms", b, check_rc=3)
    check("55P03" in r.stderr and "src/b/a.sql:1:" in r.stderr, r.stderr)
    p = env.start("apply", "--lock-timeout", "100ms", "--retry", "10", b)
    err = Reader(p.stderr)
    err.wait_for("retrying", "a retry after the lock timeout")
    holder.release()
    rc, out, text = finish(p, err_reader=err)
    check(rc == 0, "retried apply: exit %d: %s %s" % (rc, out, text))
    check(table_rows(env, "t") == "1,2,3", "table: " + table_rows(env, "t"))
    statuses = sorted(v["status"] for v in env.audit_runs().values())
    check(statuses == ["committed", "failed"], str(statuses))
    env.check_agreement()


@test
def two_operators_at_once(env):
    holder, first, _ = blocked_apply(env)
    b = env.path("b.bundle")
    r = env.run("apply", "--lock-wait", "1", b, check_rc=1)
    check("another apply holds the lock" in r.stderr and "pgward apply" in r.stderr, r.stderr)
    holder.release()
    rc, out, err = finish(first)
    check(rc == 0, "first apply: %d %s %s" % (rc, out, err))
    check(table_rows(env, "t") == "1,2,3", "table: " + table_rows(env, "t"))
    check([v["status"] for v in env.audit_runs().values()] == ["committed"], "runs")
    env.check_agreement()


@test
def backend_terminated(env):
    holder, p, pid = blocked_apply(env)
    env.q("SELECT pg_terminate_backend(%s)" % pid)
    rc, out, err = finish(p)
    holder.release()
    check(rc == 3, "exit %d: %s" % (rc, err))
    check(table_rows(env, "t") == "", "table changed")
    runs = list(env.audit_runs().items())
    check(len(runs) == 1 and runs[0][1]["status"] == "failed", str(runs))
    st = env.audit_statements(runs[0][0])
    check([s["status"] for s in st] == ["failed"] and st[0]["sqlstate"] in ("57P01", "08006"),
          str(st))
    env.check_agreement()


@test
def server_stopped_mid_bundle(env):
    holder, p, _ = blocked_apply(env)
    data = restart_server_immediately()
    try:
        rc, out, err = finish(p)
        holder.release()
    finally:
        start_server(data)
    check(rc == 3, "exit %d: %s" % (rc, err))
    check("audit sync" in err, "no hint to sync: " + err)
    check(table_rows(env, "t") == "", "table changed")
    r = env.run("audit", "sync", check_rc=0)
    check("failed" in r.stdout, r.stdout)
    env.check_agreement()
    r = env.run("audit", "sync", check_rc=0)
    check("nothing to sync" in r.stdout, "second sync: " + r.stdout)


@test
def killed_mid_statement_then_sync(env):
    holder, p, _ = blocked_apply(env)
    p.kill()
    p.wait()
    r = env.run("audit", "sync", check_rc=1)  # its session still waits on the server
    check("still running" in r.stdout, r.stdout)
    holder.release()
    no_apply_session(env)
    env.run("audit", "sync", check_rc=0)
    check(table_rows(env, "t") == "", "table changed")
    runs = list(env.audit_runs().values())
    check(len(runs) == 1 and runs[0]["status"] == "failed", str(runs))
    env.check_agreement()


@test
def killed_around_commit_then_sync(env):
    env.q("CREATE TABLE t (x int)")
    for fault, expect_rows, expect_status in (("before-commit", "", "failed"),
                                              ("after-commit", "1,2,3", "committed")):
        env.q("TRUNCATE t")
        b = env.bundle("b_" + fault.replace("-", "_"), LOCKED_BUNDLE)
        r = env.run("apply", b, env=env.env(PGWARD_TEST_FAULT=fault))
        check(r.returncode == -signal.SIGKILL, "%s: exit %d" % (fault, r.returncode))
        no_apply_session(env)
        env.run("audit", "sync", check_rc=0)
        check(table_rows(env, "t") == expect_rows, "%s: table %s" % (fault, table_rows(env, "t")))
        # the statements' locks came from the journal with their rows
        check(env.q("SELECT count(*) FROM audit.locks l JOIN audit.runs r ON r.id = l.run_id "
                    "WHERE r.status = '%s' AND l.relation = 'public.t'" % expect_status) != "0",
              "%s: no lock replayed by audit sync" % fault)
        runs = [v for v in env.audit_runs().values() if v["status"] == expect_status]
        check(runs, "%s: no %s run: %s" % (fault, expect_status, env.audit_runs()))
        env.check_agreement()
    # the committed run's file history holds: applying again skips
    r = env.run("apply", env.path("b_after_commit.bundle"), check_rc=0)
    check("nothing to apply" in r.stdout, r.stdout)


@test
def cancelled_by_signals(env):
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", LOCKED_BUNDLE)
    holder = LockHolder(env, "t")
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        p = env.start("apply", b)
        env.waiting_apply_pid()
        p.send_signal(sig)
        rc, out, err = finish(p)
        check(rc == code, "%s: exit %d: %s" % (sig.name, rc, err))
    holder.release()
    check(table_rows(env, "t") == "", "table changed")
    runs = list(env.audit_runs().items())
    check([v["status"] for _, v in runs] == ["cancelled", "cancelled"], str(runs))
    st = env.audit_statements(runs[0][0])
    check([s["status"] for s in st] == ["cancelled"] and st[0]["sqlstate"] == "57014", str(st))
    env.check_agreement()


@test
def no_transaction_file_resumes(env):
    env.q("CREATE TABLE t (x int, y int)")
    script = ("-- pgward:no-transaction\n"
              "CREATE INDEX CONCURRENTLY t_x ON t (x);\n"
              "CREATE INDEX CONCURRENTLY u_x ON u (x);\n"
              "CREATE INDEX CONCURRENTLY t_y ON t (y);\n")
    b = env.bundle("b", [("a.sql", script)])
    r = env.run("apply", b, check_rc=3)
    check("src/b/a.sql:3:" in r.stderr and "42P01" in r.stderr, r.stderr)
    check(env.q("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                "WHERE tablename = 't'") == "t_x", "first index")
    env.q("CREATE TABLE u (x int)")
    r = env.run("apply", b, check_rc=0)
    check("resuming: 1 statement already ran" in r.stdout, r.stdout)
    check(env.q("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                "WHERE tablename IN ('t', 'u')") == "t_x,t_y,u_x", "indexes")
    env.check_agreement()
    # a file that needs no transaction but lacks the directive never gets bundled
    env.write("src/c/c.sql", "CREATE INDEX CONCURRENTLY t_z ON t (x);\n")
    r = env.run("bundle", "--policy", "pgward.policy", "-o", env.path("c.bundle"), "src/c/c.sql",
                check_rc=1)
    check("no-transaction-required" in r.stderr, r.stderr)


@test
def secrets_stay_out(env):
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n")])
    secret = "s3cret-Pa55word"
    env.write(".env.staging", "# staging\nexport PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\n"
              "PGDATABASE=%s\nPGPASSWORD='%s'\nOTHER=ignored\n" % (
                  os.environ["PGHOST"], os.environ["PGPORT"], env.db, secret))
    e = env.env()
    for k in ("PGHOST", "PGPORT", "PGDATABASE"):
        e.pop(k, None)
    r = env.run("apply", "--env-file", ".env.staging", b, env=e, check_rc=0)
    check(secret not in r.stdout + r.stderr, "password printed")
    r = env.run("audit", "show", "--env-file", ".env.staging", env=e, check_rc=0)
    check(secret not in r.stdout, "password shown")
    with open(env.journal) as f:
        check(secret not in f.read(), "password in the journal")
    check(secret not in env.q("SELECT row_to_json(r)::text FROM audit.runs r"), "in audit")
    env.write(".env.bad", "PGHSOT=localhost\n")
    r = env.run("apply", "--env-file", ".env.bad", b, env=e, check_rc=2)
    check(".env.bad:1:1: unknown PostgreSQL connection variable 'PGHSOT'" in r.stderr, r.stderr)
    uri = "postgresql://postgres:%s@%s:%s/%s" % (secret, os.environ.get("PGWARD_PG_HOSTADDR",
                                                                        "127.0.0.1"),
                                                 os.environ["PGPORT"], env.db)
    b2 = env.bundle("b2", [("a.sql", "INSERT INTO t VALUES (2);\n")])
    r = env.run("apply", "--db", uri, b2, env=e, check_rc=0)
    check(secret not in r.stdout + r.stderr, "password from --db printed: " + r.stdout)


@test
def run_time_errors_stop(env):
    env.q("CREATE TABLE t (x int)")
    # psql refuses \gset into "?column?" and a \gset without rows; so does apply
    for name, script, message in (
            ("noname", "SELECT 1 \\gset\nINSERT INTO t VALUES (1);\n", "invalid variable name"),
            ("norows", "SELECT x FROM t WHERE false \\gset\nINSERT INTO t VALUES (2);\n",
             "no rows returned for \\gset")):
        b = env.bundle(name, [("a.sql", script)])
        r = env.run("apply", b)
        check(r.returncode == 3 and message in r.stderr,
              "%s: exit %d: %s" % (name, r.returncode, r.stderr))
    check(table_rows(env, "t") == "", "a statement after the error ran")
    env.check_agreement()


@test
def transaction_per_file(env):
    env.q("CREATE TABLE t (x int PRIMARY KEY)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n"),
                         ("b.sql", "INSERT INTO t VALUES (2);\nINSERT INTO t VALUES (1);\n")])
    r = env.run("apply", "--txn", "file", b, check_rc=3)
    check("23505" in r.stderr and "stays committed (1 transaction)" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "1", "table: " + table_rows(env, "t"))
    check(env.q("SELECT string_agg(path, ',') FROM audit.files") == "src/b/a.sql", "history")
    run = list(env.audit_runs())[0]
    st = env.audit_statements(run)
    check([s["status"] for s in st] == ["ok", "rolled-back", "failed"], str(st))
    env.check_agreement()
    # fixed and bundled again: a.sql is skipped, b.sql runs
    b2 = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n"),
                          ("b.sql", "INSERT INTO t VALUES (2);\nINSERT INTO t VALUES (3);\n")])
    r = env.run("apply", "--txn", "file", b2, check_rc=0)
    check("already applied" in r.stdout, r.stdout)
    check(table_rows(env, "t") == "1,2,3", "table: " + table_rows(env, "t"))


@test
def file_level_transaction(env):
    """A file wrapped in one BEGIN ... COMMIT runs as that file's transaction: its own
    BEGIN and COMMIT are not sent (nor recorded), a failure inside rolls the whole
    file back with nothing of it recorded ok, and a fixed file applies on the next
    run while the file already applied is skipped."""
    env.q("CREATE TABLE t (x int PRIMARY KEY)")
    a = ("-- Deploy a\n\\set ON_ERROR_STOP on\n\nBEGIN;\nINSERT INTO t VALUES (1);\n"
         "SAVEPOINT s;\nINSERT INTO t VALUES (2);\nRELEASE SAVEPOINT s;\nCOMMIT;\n")
    bad = "START TRANSACTION;\nINSERT INTO t VALUES (3);\nINSERT INTO t VALUES (1);\nEND;\n"
    b = env.bundle("b", [("a.sql", a), ("b.sql", bad)])
    r = env.run("apply", "--txn", "file", b, check_rc=3)
    check("23505" in r.stderr and "src/b/b.sql:3:" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "1,2", "table: " + table_rows(env, "t"))
    run = list(env.audit_runs())[0]
    st = env.audit_statements(run)
    # a.sql: INSERT, SAVEPOINT, INSERT, RELEASE committed; b.sql: nothing of it ok
    check([s["status"] for s in st] == ["ok"] * 4 + ["rolled-back", "failed"], str(st))
    check(not any(s["command_tag"] in ("BEGIN", "COMMIT") for s in st), str(st))
    check(env.q("SELECT string_agg(path, ',') FROM audit.files") == "src/b/a.sql", "history")
    env.check_agreement()
    # fixed: a.sql is skipped, b.sql runs in the bundle's transaction with c.sql
    good = "START TRANSACTION;\nINSERT INTO t VALUES (3);\nINSERT INTO t VALUES (4);\nEND;\n"
    b2 = env.bundle("b", [("a.sql", a), ("b.sql", good),
                          ("c.sql", "BEGIN;\nINSERT INTO t VALUES (5);\nCOMMIT;\n")])
    r = env.run("apply", b2, check_rc=0)
    check("already applied" in r.stdout, r.stdout)
    check("applied 3 statements in 2 files" in r.stdout, r.stdout)
    check(table_rows(env, "t") == "1,2,3,4,5", "table: " + table_rows(env, "t"))
    run2 = [k for k in env.audit_runs() if k != run][0]
    st = env.audit_statements(run2)
    check([s["status"] for s in st] == ["ok"] * 3, str(st))
    check(env.q("SELECT count(*) FROM audit.files") == "3", "file history")
    env.check_agreement()
    # the whole bundle is one transaction: a failing last file rolls back the others
    b3 = env.bundle("b3", [("d.sql", "BEGIN;\nINSERT INTO t VALUES (6);\nCOMMIT;\n"),
                           ("e.sql", "BEGIN;\nINSERT INTO t VALUES (6);\nCOMMIT;\n")])
    env.run("apply", b3, check_rc=3)
    check(table_rows(env, "t") == "1,2,3,4,5", "table: " + table_rows(env, "t"))
    env.check_agreement()


@test
def file_level_transaction_modes(env):
    """A file-level BEGIN with transaction modes gets a transaction of its own, begun
    with them; a ROLLBACK at the end is refused before anything is sent."""
    b = env.bundle("b", [("a.sql", "CREATE TABLE before_iso (x int);\n"),
                         ("b.sql", "BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE iso AS "
                                   "SELECT current_setting('transaction_isolation') AS level;\n"
                                   "COMMIT;\n")])
    env.run("apply", b, check_rc=0)
    check(env.q("SELECT level FROM iso") == "serializable", env.q("SELECT level FROM iso"))
    runs = env.audit_runs()
    run = list(runs)[0]
    check([s["status"] for s in env.audit_statements(run)] == ["ok", "ok"], str(runs))
    env.check_agreement()
    env.write("src/c/c.sql", "BEGIN;\nCREATE TABLE never (x int);\nROLLBACK;\n")
    r = env.run("bundle", "--policy", "pgward.policy", "-o", env.path("c.bundle"), "src/c/c.sql",
                check_rc=1)
    check("pgward apply --dry-run" in r.stderr, r.stderr)


@test
def file_level_transaction_restricted_role(env):
    """A restricted role's file-level transaction: the pair proven, the rest gated as
    always, the pinned settings read back before apply's own COMMIT."""
    env.q("CREATE TABLE t (x int)")
    env.q("DO $$ BEGIN CREATE ROLE app_writer; EXCEPTION WHEN duplicate_object THEN END $$")
    env.q("GRANT SELECT, INSERT ON t TO app_writer")
    b = env.bundle("b", [("a.sql", "BEGIN;\nINSERT INTO public.t VALUES (1);\n"
                                   "SAVEPOINT s;\nINSERT INTO public.t VALUES (2);\nCOMMIT;\n")],
                   role="app_writer")
    env.run("apply", "--set-role", b, check_rc=0)
    check(table_rows(env, "t") == "1,2", "table: " + table_rows(env, "t"))
    run = list(env.audit_runs())[0]
    check([s["status"] for s in env.audit_statements(run)] == ["ok"] * 3, "rows")
    env.check_agreement()
    # one statement after the COMMIT: not a file-level transaction, never bundled
    env.write("src/c/c.sql", "BEGIN;\nINSERT INTO public.t VALUES (3);\nCOMMIT;\n"
                             "INSERT INTO public.t VALUES (4);\n")
    r = env.run("bundle", "--policy", "pgward.policy", "--role", "app_writer", "-o",
                env.path("c.bundle"), "src/c/c.sql", check_rc=1)
    check("transaction-control" in r.stderr, r.stderr)


@test
def other_runners_no_transaction(env):
    """dbmate's and goose's no-transaction directives take a file out of the
    transaction as pgward's does: CREATE INDEX CONCURRENTLY runs, and the file's
    down section is neither linted nor run."""
    env.q("CREATE TABLE t (x int, y int)")
    dbmate = ("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n\n"
              "-- migrate:down\nDROP INDEX t_x;\n")
    goose = ("-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY t_y ON t (y);\n"
             "-- +goose Down\nDROP INDEX CONCURRENTLY t_y;\n")
    b = env.bundle("b", [("1_dbmate.sql", dbmate), ("2_goose.sql", goose)])
    r = env.run("apply", b, check_rc=0)
    check("applied 2 statements in 2 files" in r.stdout, r.stdout)
    check(env.q("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                "WHERE tablename = 't'") == "t_x,t_y", "indexes")
    run = list(env.audit_runs())[0]
    st = env.audit_statements(run)
    check([s["status"] for s in st] == ["ok", "ok"], str(st))
    env.check_agreement()


@test
def bundle_variables(env):
    env.q("CREATE TABLE t (x int, label text)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (:n, :'label');\n")],
                   extra=("-v", "n=5", "-v", "label=it's \"quoted\"\nand two lines"))
    with open(os.path.join(b, "manifest")) as f:
        manifest = f.read()
    check('var label "it\'s \\"quoted\\"\\nand two lines"' in manifest, manifest)
    env.run("apply", b, check_rc=0)
    check(env.q("SELECT x || '|' || label FROM t") == "5|it's \"quoted\"\nand two lines",
          env.q("SELECT x || '|' || label FROM t"))


@test
def server_error_shown_escaped(env):
    """A script's RAISE carries terminal escape sequences: apply's error and audit
    show print them escaped (\\x1b), never raw, so a script author cannot drive the
    operator's terminal."""
    b = env.bundle("b", [("a.sql", "DO $$ BEGIN RAISE EXCEPTION "
                                   "E'bad\\x1b]0;pwned\\x07\\x1b[2J\\r'; END $$;\n")])
    r = env.run("apply", b, check_rc=3)
    check("\x1b" not in r.stderr and "\r" not in r.stderr, repr(r.stderr))
    check("bad\\x1b]0;pwned\\x07\\x1b[2J\\x0d" in r.stderr, r.stderr)
    runs = list(env.audit_runs())
    check(len(runs) == 1, str(runs))
    for args in (("audit", "show"), ("audit", "show", "--run", runs[0])):
        r = env.run(*args, check_rc=0)
        check("\x1b" not in r.stdout and "\r" not in r.stdout, repr(r.stdout))
        check("\\x1b]0;pwned" in r.stdout, r.stdout)


@test
def killed_in_own_transaction(env):
    """A statement of a no-transaction file that can run in a transaction runs in one
    of its own with its audit row: killed while it waits, neither commits, the run is
    not in doubt, and applying again runs it."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "-- pgward:no-transaction\nINSERT INTO t VALUES (1);\n"
                                   "INSERT INTO t VALUES (2);\n")])
    killed_while_waiting(env, b)
    r = env.run("audit", "sync", check_rc=0)
    check("in doubt" not in r.stdout, r.stdout)
    check(table_rows(env, "t") == "", "table: " + table_rows(env, "t"))
    env.check_agreement()
    r = env.run("apply", b, check_rc=0)
    check(table_rows(env, "t") == "1,2", "table: " + table_rows(env, "t"))
    run = [x for x in env.audit_runs()][-1]
    # each statement in a transaction of its own, with its own number
    st = env.audit_statements(run)
    check([(s["status"], s["txn"] > 0) for s in st] == [("ok", True), ("ok", True)], str(st))
    check(len({s["txn"] for s in st}) == 2, str(st))
    env.check_agreement()


@test
def killed_outside_transaction_in_doubt(env):
    """A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY) gets a
    statement-start record; killed while it runs, it is in doubt, and a resumed apply
    refuses to send it again until it is settled."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "-- pgward:no-transaction\n"
                                   "CREATE INDEX CONCURRENTLY t_x ON t (x);\n"
                                   "INSERT INTO t VALUES (2);\n")])
    killed_while_waiting(env, b)
    r = env.run("audit", "sync", check_rc=0)
    check("in doubt" in r.stdout, r.stdout)
    run = list(env.audit_runs())[0]
    st = env.audit_statements(run)
    # pgward cannot know whether it ran on without its client: recorded in doubt,
    # never as done or undone
    check([s["status"] for s in st] == ["in-doubt"], str(st))
    env.check_agreement()
    r = env.run("verify", "--format", "json")
    check("statement 1 of run %s (src/b/a.sql:2) is in doubt" % run in r.stdout, r.stdout)
    r = env.run("apply", b, check_rc=1)
    check("in doubt since run %s (statement 1)" % run in r.stderr, r.stderr)
    check("pgward audit settle %s 1 ran" % run in r.stderr, r.stderr)
    check(table_rows(env, "t") == "", "nothing sent: " + table_rows(env, "t"))
    r = env.run("audit", "settle", run, "1", "ran", check_rc=2)
    check("--note" in r.stderr, r.stderr)
    r = env.run("audit", "settle", run, "1", "ran", "--note", "index t_x is there", check_rc=0)
    check("settled as ran" in r.stdout, r.stdout)
    r = env.run("audit", "settle", run, "1", "ran", "--note", "again", check_rc=1)
    check("settled already" in r.stderr, r.stderr)
    # the timeline shows the in-doubt row and how it was settled, by whom, why
    r = env.run("audit", "show", "--run", run, check_rc=0)
    check(re.search(r"\n       1  src/b/a\.sql:2:\d+  duration unknown  in-doubt \(settled: ran, by "
                    r"postgres at 20\S+Z: index t_x is there\)\n", r.stdout), r.stdout)
    r = env.run("audit", "show", "--run", run, "--format", "markdown", check_rc=0)
    check(re.search(r"\| 1 \| src/b/a\.sql:2:\d+ \|  \|  \| in-doubt \(settled: ran, by "
                    r"postgres at 20\S+Z: index t\\_x is there\) \|", r.stdout), r.stdout)
    r = env.run("apply", b, check_rc=0)
    check("resuming: 1 statement already ran" in r.stdout, r.stdout)
    check(table_rows(env, "t") == "2", "table: " + table_rows(env, "t"))
    check(env.q("SELECT settled_by || ':' || outcome || ':' || note FROM audit.settlements")
          == "postgres:ran:index t_x is there", "settlement row")
    r = env.run("verify", "--format", "json")
    # settled: no statement is in doubt (the run's own message may still say it was)
    check(" is in doubt" not in r.stdout, r.stdout)
    last = [x for x in env.audit_runs() if x != run][-1]  # the resumed run: seq 1 ran ok
    r = env.run("audit", "settle", last, "1", "did-not-run", "--note", "no", check_rc=1)
    check("is ok, not in doubt" in r.stderr, r.stderr)
    env.check_agreement()


@test
def in_doubt_idempotent_sent_again(env):
    """VACUUM, its outcome lost: whether it ran cannot be seen, but running it again
    is harmless, so the resumed apply settles it as not run (saying why) and sends it
    again."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "-- pgward:no-transaction\n"
                                   "VACUUM public.t;\n"
                                   "INSERT INTO t VALUES (2);\n")])
    killed_while_waiting(env, b)
    env.run("audit", "sync", check_rc=0)
    run = list(env.audit_runs())[0]
    check([s["status"] for s in env.audit_statements(run)] == ["in-doubt"], "in doubt")
    r = env.run("apply", b, check_rc=0)
    check("statement 1 of run %s was in doubt: settled as did-not-run" % run in r.stdout,
          r.stdout)
    check("VACUUM is idempotent, so it is sent again" in r.stdout, r.stdout)
    check(table_rows(env, "t") == "2", "table: " + table_rows(env, "t"))
    last = [x for x in env.audit_runs() if x != run][-1]
    check([s["status"] for s in env.audit_statements(last)] == ["ok", "ok"],
          "both sent again: %s" % env.audit_statements(last))
    env.check_agreement()


@test
def lock_released_by_the_script(env):
    """The apply lock lives on the session that runs the statements; a script that
    releases it (an unrestricted role may) cannot commit: another apply could be
    running the same bundle."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n"
                                   "SELECT pg_advisory_unlock_all();\n"
                                   "INSERT INTO t VALUES (2);\n")])
    r = env.run("apply", b, check_rc=1)
    check("no longer holds the apply lock" in r.stderr, r.stderr)
    check("rolled back, nothing was committed" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "", "table: " + table_rows(env, "t"))
    check(env.q("SELECT count(*) FROM audit.files") == "0", "history")
    env.check_agreement()


@test
def journal_disk_full_mid_run(env):
    """The journal's disk fills up in the middle of a pipelined transaction (a file
    size limit cuts a write in the middle of a line): the run stops before the next
    statement, rolls back, exits 3 naming the journal; the journal is still whole
    lines, and once there is room the run applies and the trail agrees."""
    env.q("CREATE TABLE t (x int)")
    stmts = "".join("INSERT INTO t VALUES (%d);\n" % i for i in range(1, 2001))
    b = env.bundle("b", [("a.sql", stmts)])
    env.run("audit", "sync", check_rc=0)  # creates the journal's folder, nothing else
    base = os.path.getsize(env.journal) if os.path.exists(env.journal) else 0

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        # room for the begin record and a few hundred statement records, then a
        # write cut in the middle of a line
        resource.setrlimit(resource.RLIMIT_FSIZE, (base + 60000, resource.RLIM_INFINITY))

    r = env.run("apply", b, check_rc=3, preexec_fn=small_disk)
    check("cannot write to journal '%s'" % env.journal in r.stderr, r.stderr)
    check("nothing was committed" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "", "rolled back")
    with open(env.journal, "rb") as f:
        data = f.read()
    check(data.endswith(b"\n"), "the journal ends with a whole line")
    n = 0
    for line in data.splitlines():
        json.loads(line)  # every line is a record
        n += 1
    check(n < 2001, "the run stopped early: %d records" % n)
    r = env.run("audit", "sync", check_rc=0)
    r = env.run("apply", b, check_rc=0)
    check(env.q("SELECT count(*) FROM t") == "2000", "applied once")
    env.check_agreement()


@test
def in_doubt_settled_by_its_effect(env):
    """CREATE INDEX CONCURRENTLY of a qualified table, its outcome lost: the resumed
    apply looks at the index (valid: it ran; absent: it did not) once the session
    that sent it is gone, records the settlement and goes on."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "-- pgward:no-transaction\n"
                                   "CREATE INDEX CONCURRENTLY t_x ON public.t (x);\n"
                                   "INSERT INTO t VALUES (2);\n")])
    killed_while_waiting(env, b)
    env.run("audit", "sync", check_rc=0)
    run = list(env.audit_runs())[0]
    r = env.run("apply", b, check_rc=0)
    check("statement 1 of run %s was in doubt: settled as " % run in r.stdout, r.stdout)
    settled = env.q("SELECT outcome || ':' || settled_by || ':' || note FROM audit.settlements")
    check(settled in ("ran:postgres:pgward: index public.t_x exists and is valid",
                      "did-not-run:postgres:pgward: index public.t_x does not exist"), settled)
    check(env.q("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_x'::regclass")
          == "t", "the index is there, valid")
    check(table_rows(env, "t") == "2", "table: " + table_rows(env, "t"))
    r = env.run("verify", "--format", "json")
    # settled: no statement is in doubt (the run's own message may still say it was)
    check(" is in doubt" not in r.stdout, r.stdout)
    env.check_agreement()


# ---------------------------------------------------------------- signals in a partition

PARTITION_BOUND = 15.0  # seconds from SIGINT to exit when the network is gone

SLEEPY_BUNDLE = [("a.sql", "INSERT INTO t VALUES (1);\nSELECT pg_sleep(300);\n"
                           "INSERT INTO t VALUES (2);\n")]


def apply_through(env, proxy, bundle):
    """An apply connected through the proxy (its lock connection too)."""
    return env.start("apply", "--db", "host=127.0.0.1 port=%d dbname=%s" % (proxy.port, env.db),
                     bundle)


def sleeping_apply(env):
    """Waits until this test's apply runs pg_sleep; returns its backend pid."""
    return env.wait_for(
        "SELECT pid FROM pg_stat_activity WHERE datname = '%s' AND application_name LIKE "
        "'pgward apply %%' AND application_name NOT LIKE '%%(lock)' AND state = 'active' "
        "AND wait_event = 'PgSleep' LIMIT 1" % env.db, "the apply to sleep")


def finish_within(p, bound, what):
    """Waits for p at most bound seconds; (exit, stdout, stderr, seconds taken)."""
    t0 = time.monotonic()
    try:
        out, err = p.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise Failure("%s: still running after %.0f s\nstderr: %s" % (what, bound, err))
    no_sanitizer_report(err, what)
    return p.returncode, out, err, time.monotonic() - t0


@test
def partition_then_signal(env):
    """The network goes silent while a statement runs; SIGINT or SIGTERM still ends
    pgward in bounded time with the cancel status, the outcome left to audit sync;
    the server, once the client is gone for good, ends the session well before the
    statement would have (client_connection_check_interval)."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", SLEEPY_BUNDLE)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        proxy = BlackHoleProxy()
        try:
            p = apply_through(env, proxy, b)
            sleeping_apply(env)
            proxy.hole()
            p.send_signal(sig)
            rc, out, err, took = finish_within(p, PARTITION_BOUND, sig.name)
            check(rc == code, "%s: exit %d: %s" % (sig.name, rc, err))
            check("the server did not answer the cancel request" in err and
                  "'pgward audit sync'" in err, "%s: %s" % (sig.name, err))
            check("second signal" not in err, err)
            # the proxy still holds the server's socket: the session lives on until the
            # partition ends with the client gone
            proxy.heal()
            t0 = time.monotonic()
            no_apply_session(env)
            check(time.monotonic() - t0 < 30, "the server took %.0f s to notice"
                  % (time.monotonic() - t0))
        finally:
            proxy.close()
    check(table_rows(env, "t") == "", "table changed: " + table_rows(env, "t"))
    r = env.run("audit", "sync", check_rc=0)
    runs = env.audit_runs()
    check(sorted(v["status"] for v in runs.values()) == ["cancelled", "cancelled"],
          "%s %s" % (runs, r.stdout))
    env.check_agreement()


@test
def partition_second_signal_exits_at_once(env):
    """While the first signal's cancel waits on a silent network, a second one exits
    at once with the cancel status; audit sync records the run afterwards."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", SLEEPY_BUNDLE)
    proxy = BlackHoleProxy()
    try:
        p = apply_through(env, proxy, b)
        sleeping_apply(env)
        proxy.hole()
        p.send_signal(signal.SIGINT)
        # the cancel request reaching the (silent) network: the first signal was taken
        deadline = time.monotonic() + WAIT
        while proxy.held_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.02)  # polling a condition, bounded by WAIT
        check(proxy.held_count() > 0, "no cancel request was sent")
        p.send_signal(signal.SIGINT)
        rc, out, err, took = finish_within(p, 5, "second SIGINT")
        check(rc == 130, "exit %d: %s" % (rc, err))
        check(took < 2, "the second signal took %.1f s" % took)
        check("second signal: exiting at once" in err and "audit sync" in err, err)
        proxy.heal()
        no_apply_session(env)
    finally:
        proxy.close()
    check(table_rows(env, "t") == "", "table changed: " + table_rows(env, "t"))
    r = env.run("audit", "sync", check_rc=0)
    check("pgward stopped before the run ended" in r.stdout, r.stdout)
    env.check_agreement()


@test
def partition_outside_transaction(env):
    """The same for a statement sent alone (a no-transaction file): bounded, with the
    cancel status."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "-- pgward:no-transaction\nSELECT pg_sleep(300);\n")])
    proxy = BlackHoleProxy()
    try:
        p = apply_through(env, proxy, b)
        sleeping_apply(env)
        proxy.hole()
        p.send_signal(signal.SIGINT)
        rc, out, err, took = finish_within(p, PARTITION_BOUND, "SIGINT")
        check(rc == 130, "exit %d: %s" % (rc, err))
        check("'pgward audit sync'" in err, err)
        proxy.heal()
        no_apply_session(env)
    finally:
        proxy.close()


# a malformed or failing --db, each holding the password: every command that
# connects prints what is wrong and never the password
SECRET = "Zq8-s3cret"
BAD_DBS = [
    "postgresql://postgres:%s%%ZZ@127.0.0.1/db" % SECRET,
    "postgresql://postgres:%s@127.0.0.1/db%%" % SECRET,
    "postgresql://postgres:%s@[::1/db" % SECRET,
    "postgresql://postgres:%s%%00@127.0.0.1/db" % SECRET,
    "postgresql://postgres:%s@127.0.0.1/db?nosuch=1" % SECRET,
    "postgresql://postgres:%s@127.0.0.1/db?sslmode" % SECRET,
    "postgresql://postgres@127.0.0.1/db?password=%s%%ZZ" % SECRET,
    "postgresql://postgres:%s@zz@127.0.0.1/db" % SECRET,
    "postgresql://postgres:%s/zz@127.0.0.1/db" % SECRET,
    "postgresql://postgres:%s@127.0.0.1:99999/db" % SECRET,
    "postgresql://postgres:%s@127.0.0.1:abc/db" % SECRET,
    "postgresql://postgres:%s@127.0.0.1/db?sslmode=bogus" % SECRET,
    "postgresql://postgres:%s@127.0.0.1:{port}/no_such_db_%s" % (SECRET, SECRET),
    "host=127.0.0.1 password='%s" % SECRET,
    "host=127.0.0.1 password=%s more" % SECRET,
    "host=127.0.0.1 password=x %s=1" % SECRET,
    "host=127.0.0.1 password=%s nosuch=1" % SECRET,
    "host=127.0.0.1 port=abc password=%s" % SECRET,
    "host=127.0.0.1 port={port} password=%s dbname=no_such_db_%s" % (SECRET, SECRET),
]


@test
def malformed_db_never_shows_password(env):
    b = env.bundle("b", [("a.sql", "SELECT 1;\n")])
    # a run the journal has and the audit trail lacks, so audit sync connects
    with open(os.path.join(HERE, "..", "fixtures", "apply", "audited.journal")) as f:
        begin = f.readline()
    commands = (["apply", b], ["audit", "show"], ["audit", "sync"],
                ["verify", "--policy", "pgward.policy"])
    port = os.environ["PGPORT"]
    for db in BAD_DBS:
        db = db.replace("{port}", port)
        for cmd in commands:
            with open(env.journal, "w") as f:
                f.write(begin)
            r = env.run(*cmd, "--db", db)
            what = "%s --db %s" % (" ".join(cmd[:2]), db)
            check(r.returncode != 0, "%s: exit 0" % what)
            check(SECRET not in r.stdout + r.stderr, "%s printed the password:\n%s%s"
                  % (what, r.stdout, r.stderr))
            check("pgward" in r.stderr, "%s: no message: %r" % (what, r.stderr))
    # the same through an env file: its password is never printed either
    env.write(".env.bad", "PGHOST=127.0.0.1\nPGPORT=%s\nPGDATABASE=no_such_db_%s\n"
              "PGPASSWORD=%s\n" % (port, SECRET, SECRET))
    for cmd in commands:
        with open(env.journal, "w") as f:
            f.write(begin)
        r = env.run(*cmd, "--env-file", ".env.bad")
        check(r.returncode != 0 and SECRET not in r.stdout + r.stderr,
              "%s --env-file: exit %d:\n%s%s" % (cmd[0], r.returncode, r.stdout, r.stderr))


def wait_stopped(p):
    """Waits until process p is stopped (state T in /proc/PID/stat)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with open("/proc/%d/stat" % p.pid) as f:
            stat = f.read()
        state = stat[stat.rindex(")") + 2]
        if state in "Tt":
            return
        if state in "ZX" or p.poll() is not None:
            raise Failure("pgward ended before it stopped: %s" % (p.communicate(),))
        time.sleep(0.01)  # polling a condition, bounded by WAIT
    raise Failure("timed out waiting for pgward to stop after reading the bundle")


@test
def swapped_after_verification(env):
    # verified once, those bytes run: a script renamed over, an include made a
    # symbolic link and the policy replaced while apply is paused after reading the
    # bundle change nothing of what runs
    env.q("CREATE TABLE t (x int)")
    key = env.path("key")
    env.run("keygen", key, check_rc=0)
    env.write(os.path.join("src", "b", "inc", "two.sql"), "INSERT INTO t VALUES (2);\n")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n\\ir inc/two.sql\n")],
                   extra=("--sign", key))
    files = os.path.join(b, "files", "src", "b")
    evil = env.write("evil.sql", "INSERT INTO t VALUES (667);\n")
    p = env.start("apply", "--pubkey", key + ".pub", b,
                  env=env.env(PGWARD_TEST_FAULT="after-read"))
    wait_stopped(p)
    new = os.path.join(files, "a.sql.new")
    with open(new, "w") as f:
        f.write("INSERT INTO t VALUES (666);\n\\ir inc/two.sql\n")
    os.rename(new, os.path.join(files, "a.sql"))
    os.unlink(os.path.join(files, "inc", "two.sql"))
    os.symlink(evil, os.path.join(files, "inc", "two.sql"))
    other = env.write("other.policy", "role someone_else {\n    unrestricted;\n}\n")
    os.unlink(os.path.join(b, "policy"))
    os.symlink(other, os.path.join(b, "policy"))
    os.kill(p.pid, signal.SIGCONT)
    rc, out, err = finish(p)
    check(rc == 0, "apply: exit %d\n%s%s" % (rc, out, err))
    check(table_rows(env, "t") == "1,2", "table: " + table_rows(env, "t"))
    env.check_agreement()
    # the folder as it is now is refused, and nothing more runs
    r = env.run("apply", "--pubkey", key + ".pub", b, check_rc=1)
    check("symbolic link" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "1,2", "table: " + table_rows(env, "t"))


@test
def fifo_script_refused_at_once(env):
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n")])
    script = os.path.join(b, "files", "src", "b", "a.sql")
    os.unlink(script)
    os.mkfifo(script)
    r = env.run("apply", b, check_rc=1)  # bounded by run()'s timeout: no hang
    check("a FIFO, not a regular file" in r.stderr and "nothing was sent" in r.stderr, r.stderr)
    check(env.q("SELECT count(*) FROM t") == "0", "something ran")


@test
def manifest_count_checked_on_the_one_read(env):
    """apply verifies the bundle's bytes without reading the scripts a second time to
    count them: the count is checked on the read that lints them, so a manifest that
    lost its last file (line and file both) is still refused, nothing sent."""
    env.q("CREATE TABLE t (x int)")
    b = env.bundle("b", [("a.sql", "INSERT INTO t VALUES (1);\n"),
                         ("b.sql", "INSERT INTO t VALUES (2);\n")])
    m = os.path.join(b, "manifest")
    with open(m) as f:
        lines = f.read().splitlines(True)
    last = [x for x in lines if x.startswith("file ")][-1]
    with open(m, "w") as f:
        f.write("".join(x for x in lines if x is not last))
    os.remove(os.path.join(b, "files", last.split()[-1]))
    r = env.run("apply", b, check_rc=1)
    check("the scripts hold 1 statement, the manifest says 2" in r.stderr, r.stderr)
    check("nothing was sent" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "", "table: " + table_rows(env, "t"))
    r = env.run("bundle", "verify", b, check_rc=1)
    check("the scripts hold 1 statement, the manifest says 2" in r.stderr, r.stderr)


PROGRESS = re.compile(r"\r\x1b\[Kpgward apply: (\S+): (\d+)/(\d+) statements, "
                      r"(\d+\.\d) s, (\d+\.\d)/s")


@test
def progress_on_a_terminal_only(env):
    env.q("CREATE TABLE t (x int)")
    # statements that take 150 ms each, so the line is redrawn more than once
    b = env.bundle("b", [("a.sql", "INSERT INTO t SELECT 1 FROM pg_sleep(0.15);\n" * 3),
                         ("b.sql", "INSERT INTO t SELECT 2 FROM pg_sleep(0.15);\n")])
    rc, out, tty = run_on_tty([env.pgward, "apply", b], env.dir, env.env())
    check(rc == 0, "exit %d: %s %s" % (rc, out, tty))
    draws = PROGRESS.findall(tty)
    check(len(draws) >= 2, "progress lines: %r" % tty)
    check(len(draws) <= 4, "redrawn more often than once per statement: %r" % tty)
    check(all(total == "4" for _, _, total, _, _ in draws), str(draws))
    check(draws[0][:2] == ("src/b/a.sql", "1"), str(draws))
    check(draws[-1][0] == "src/b/b.sql" and draws[-1][1] == "4", str(draws))
    check(tty.endswith("\r\x1b[K"), "the line is not erased at the end: %r" % tty)
    check("applied 4 statements" in out and "pgward apply:" not in out, out)
    # --quiet: nothing on the terminal
    b2 = env.bundle("b2", [("a.sql", "INSERT INTO t VALUES (3);\n")])
    rc, out, tty = run_on_tty([env.pgward, "apply", "--quiet", b2], env.dir, env.env())
    check(rc == 0 and tty == "", "--quiet: exit %d, terminal got %r" % (rc, tty))
    # a failure: the line is erased before the error, which starts a line of its own
    f = env.bundle("f", [("a.sql", "INSERT INTO t VALUES (5);\nSELECT 1 / 0;\n")])
    rc, out, tty = run_on_tty([env.pgward, "apply", f], env.dir, env.env())
    check(rc == 3 and PROGRESS.search(tty), "exit %d: %r" % (rc, tty))
    check(re.search(r"\r\x1b\[Ksrc/f/a\.sql:2:\d+: error: division by zero", tty), repr(tty))
    # on a pipe (a CI log): stderr stays empty, stdout is the summary only
    b3 = env.bundle("b3", [("a.sql", "INSERT INTO t VALUES (4);\n" * 2)])
    r = env.run("apply", b3, check_rc=0)
    check(r.stderr == "", "stderr on a pipe: %r" % r.stderr)
    check(r.stdout.count("\n") == 1 and "\x1b" not in r.stdout, r.stdout)
APPROVALS_POLICY = """
role postgres {
    unrestricted;
    grant all on schema public;
    approvals 2 human 1;
}
approver alice key "keys/alice.pub" human;
approver bob key "keys/bob.pub";
default role postgres;
set lock_timeout = "30s";
"""


def approval_bundle(env, name):
    """A bundle whose policy needs two approvals, one by a human (alice)."""
    for k in ("alice", "bob", "mallory"):
        if not os.path.exists(env.path("keys", k)):
            os.makedirs(env.path("keys"), exist_ok=True)
            env.run("keygen", env.path("keys", k), check_rc=0)
    env.write("pgward.policy", APPROVALS_POLICY)
    return env.bundle(name, [("a.sql", "INSERT INTO t VALUES (1);\n")])


def refused_unsent(env, b, *expect):
    r = env.run("apply", b, check_rc=1)
    for e in expect:
        check(e in r.stderr, "expected %r in: %s" % (e, r.stderr))
    check("nothing was sent" in r.stderr, r.stderr)
    check(table_rows(env, "t") == "", "something ran: " + table_rows(env, "t"))
    check(env.q("SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'") == "0",
          "a refused bundle still reached the database")
    return r


@test
def approvals_required(env):
    """apply refuses, nothing sent, a bundle without the approvals its role needs:
    none, too few, one with the wrong key, one edited after signing; with enough it
    runs, and the audit trail names the approvers."""
    env.q("CREATE TABLE t (x int)")
    need = "role 'postgres' needs 2 approvals, 1 of them by a human"
    b = approval_bundle(env, "b")
    manifest = open(os.path.join(b, "manifest")).read()
    refused_unsent(env, b, need, "has 0 that count")
    # bob is no human: two approvals are needed and one of them a human's
    r = env.run("approve", b, "--key", env.path("keys", "bob"), check_rc=0)
    check(r.stderr == "", "approve: " + r.stderr)
    refused_unsent(env, b, need, "has 1 that counts (0 by a human)")
    # mallory signs as alice: her key is not alice's in the policy
    r = env.run("approve", b, "--key", env.path("keys", "mallory"), "--as", "alice", check_rc=0)
    check("warning: this approval will not count: it is signed with a key that is not "
          "alice's in the policy" in r.stderr, "approve: " + r.stderr)
    refused_unsent(env, b, "approvals/alice.json: it is signed with a key that is not "
                   "alice's in the policy", "has 1 that counts (0 by a human)")
    os.remove(os.path.join(b, "approvals", "alice.json"))
    # alice's approval with its note edited afterwards
    env.run("approve", b, "--key", env.path("keys", "alice"), "--note", "reviewed",
            check_rc=0)
    p = os.path.join(b, "approvals", "alice.json")
    text = open(p).read()
    with open(p, "w") as f:
        f.write(text.replace('"reviewed"', '"reviewed, skip staging"'))
    refused_unsent(env, b, "approvals/alice.json: its signature does not verify",
                   "has 1 that counts (0 by a human)")
    # alice's approval of another bundle, copied in
    other = approval_bundle(env, "other")
    env.run("approve", other, "--key", env.path("keys", "alice"), check_rc=0)
    shutil.copy(os.path.join(other, "approvals", "alice.json"), p)
    refused_unsent(env, b, "approvals/alice.json: it approves another bundle")
    # approving changed nothing the bundle runs
    check(open(os.path.join(b, "manifest")).read() == manifest, "approve changed the manifest")
    os.remove(p)
    env.run("approve", b, "--key", env.path("keys", "alice"), "--note", "reviewed",
            check_rc=0)
    r = env.run("bundle", "verify", b, check_rc=0)
    check("approved by alice (human) at " in r.stdout and '"reviewed"' in r.stdout, r.stdout)
    check("approved by bob at " in r.stdout, r.stdout)
    check("approvals: enough to apply for role postgres" in r.stdout, r.stdout)
    r = env.run("apply", b, check_rc=0)
    check(table_rows(env, "t") == "1", "table: " + table_rows(env, "t"))
    env.check_agreement()
    # the audit trail names every approver of the run, and the chain covers them
    run = list(env.audit_runs())[0]
    rows = env.q("SELECT string_agg(approver || ' ' || human || ' ' || note, ',' "
                 "ORDER BY approver) FROM audit.approvals WHERE run_id = '%s'" % run)
    check(rows == "alice true reviewed,bob false", "audit.approvals: " + rows)
    r = env.run("audit", "show", "--run", run, check_rc=0)
    check('approved by alice (human) at ' in r.stdout and '"reviewed"' in r.stdout, r.stdout)
    check("approved by bob at " in r.stdout, r.stdout)
    r = env.run("audit", "show", "--run", run, "--format", "json", check_rc=0)
    names = [a["approver"] for a in json.loads(r.stdout)["approvals"]]
    check(names == ["alice", "bob"], r.stdout)
    env.run("audit", "verify", check_rc=0)
    # verify fills the sign-offs from the same rows: who applied, who approved
    r = env.run("verify", "--policy", "pgward.policy", "--format", "markdown")
    md = r.stdout
    check("### Sign-offs\n" in md and "- [x] the infrastructure owner: the bundles that ran\n"
          in md, md)
    check(re.search(r"  - evidence: bundle [0-9a-f]{12}: run %s, role postgres as postgres"
                    r"(, operator \S+)?, committed 20\S+Z\n" % run, md), md)
    check("- [x] a human operator who reviewed and approved\n" in md, md)
    check(re.search(r"  - evidence: bundle [0-9a-f]{12}: alice \(human\) at 20\S+Z \"reviewed\", "
                    r"bob at 20\S+Z\n", md), md)
    doc = json.loads(env.run("verify", "--policy", "pgward.policy", "--format", "json").stdout)
    check([(s["run"], [a["approver"] for a in s["approvals"]]) for s in doc["signoffs"]]
          == [(run, ["alice", "bob"])], doc["signoffs"])
    # an approval row edited afterwards, or removed, breaks the run's chain hash
    env.q("UPDATE audit.approvals SET note = 'forged' WHERE approver = 'alice'")
    r = env.run("audit", "verify", check_rc=1)
    check(run in r.stdout + r.stderr, "audit verify: " + r.stdout + r.stderr)
    env.q("UPDATE audit.approvals SET note = 'reviewed' WHERE approver = 'alice'")
    env.run("audit", "verify", check_rc=0)
    env.q("DELETE FROM audit.approvals WHERE approver = 'bob'")
    env.run("audit", "verify", check_rc=1)


@test
def approvals_synced_from_the_journal(env):
    """The journal's begin record holds the approvers: audit sync records them for a
    run the audit tables are missing them for (killed before COMMIT, then the
    approval rows lost), and the sealed chain covers them."""
    env.q("CREATE TABLE t (x int)")
    b = approval_bundle(env, "b")
    env.run("approve", b, "--key", env.path("keys", "alice"), "--note", "ok", check_rc=0)
    env.run("approve", b, "--key", env.path("keys", "bob"), check_rc=0)
    r = env.run("apply", b, env=env.env(PGWARD_TEST_FAULT="before-commit"))
    check(r.returncode == -signal.SIGKILL, "exit %d: %s" % (r.returncode, r.stderr))
    no_apply_session(env)
    begin = [rec for recs in env.journal_runs().values() for rec in recs
             if rec.get("event") == "begin"]
    check(len(begin) == 1 and [a["approver"] for a in begin[0].get("approvals", [])]
          == ["alice", "bob"], "journal begin: %s" % begin)
    env.q("DELETE FROM audit.approvals")
    env.run("audit", "sync", check_rc=0)
    rows = env.q("SELECT string_agg(approver || ' ' || human, ',' ORDER BY approver) "
                 "FROM audit.approvals")
    check(rows == "alice true,bob false", "audit.approvals after sync: " + rows)
    env.run("audit", "verify", check_rc=0)
    env.check_agreement()


if __name__ == "__main__":
    sys.exit(run_tests(Env))
