#!/usr/bin/env python3
"""Integration tests of the audit trail's integrity against a real PostgreSQL 15:
who may write it, and the hash chain that reveals tampering (docs/audit.md).

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/audit_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, bootstrapped as `pgward stage up` does it (the
script `pgward stage sql` prints: ehg_admin is the operator, a member of
pgward_audit_writer that may SET ROLE codex_staging), with rules/staging.policy, a
table eng.items that codex_staging may update, a signing key and its own journal.

- As codex_staging with plain psql, every forging attempt fails: begin a run,
  record a file into a run, finish a run, finish another operator's running run;
  pgward apply as codex_staging's own login is refused with nothing sent.
- A second writer session cannot finish a run whose session is alive; once that
  session is gone it can (that is how audit sync settles a crash).
- Through the operator with --set-role a bundle applies; `audit verify` and
  `verify` are GO and the journal's audited records hold the chain head.
- As the superuser, an edited statement row, a deleted statement row, a deleted
  run, a forged run (unsealed, or sealed with a made-up hash): `audit verify` and
  `verify` are NO-GO naming the row. A deleted last run is seen only with the
  journal.
- A version 1 trail is upgraded in place, its runs sealed as legacy.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pgtest
from pgtest import WAIT, Failure, check, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(ROOT, "rules", "staging.policy")

GATE_LINE = re.compile(r"^(GO|NO-GO) +([a-z-]+): ")
BUMP = "UPDATE eng.items SET n = n + 1 WHERE id = 1;\n"
NOT_WRITER = 'session user "codex_staging" is not a member of pgward_audit_writer'


class Env(pgtest.StagedEnv):
    """One test's staged database, folder, key, journal and helpers."""

    PREFIX = "au"

    def __init__(self, pgward, name):
        super().__init__(pgward, name, POLICY)
        self.bootstrap_items()

    def bootstrap(self):
        """The stage again (sql/audit.sql over what is there, as apply would), and
        the table and key the tests use."""
        self.stage()
        self.bootstrap_items()

    def bootstrap_items(self):
        self.as_admin("CREATE TABLE IF NOT EXISTS eng.items (id integer PRIMARY KEY, "
                      "n integer NOT NULL); INSERT INTO eng.items VALUES (1, 0) "
                      "ON CONFLICT DO NOTHING")
        self.key = os.path.join(self.dir, "key")
        if not os.path.exists(self.key):
            self.run("keygen", self.key, check_rc=0)

    def psql_fails(self, sql, user):
        """Runs sql as user; its stderr, failing the test when sql succeeds."""
        r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.db,
                            "-U", user, "-c", sql], capture_output=True, text=True,
                           timeout=WAIT)
        check(r.returncode != 0, "as %s, this succeeded: %s\n%s" % (user, sql, r.stdout))
        return r.stderr

    def bundle(self, name, text, role="codex_staging"):
        src = os.path.relpath(self.write(os.path.join("src", name + ".sql"), text), self.dir)
        out = name + ".bundle"
        shutil.rmtree(os.path.join(self.dir, out), ignore_errors=True)
        self.run("bundle", "--policy", POLICY, "--role", role, "--sign", self.key,
                 "-o", out, src, check_rc=0)
        return out

    def apply(self, bundle, *extra, user="ehg_admin", check_rc=0):
        """Applies through the operator ehg_admin as the bundle's role (--set-role)."""
        return self.run("apply", "--pubkey", self.key + ".pub", "--set-role", *extra, bundle,
                        user=user, check_rc=check_rc)

    def applied(self, n):
        """n bundles applied (each its own file), and their run ids, oldest first."""
        for i in range(n):
            self.apply(self.bundle("bump%d" % i, "-- %d\n%s" % (i, BUMP)))
        return self.psql("SELECT string_agg(id::text, ' ' ORDER BY chain_pos) FROM audit.runs"
                         ).split()

    def n(self):
        return int(self.psql("SELECT n FROM eng.items WHERE id = 1"))

    def events(self, event):
        if not os.path.exists(self.journal):
            return []
        with open(self.journal) as f:
            recs = [json.loads(line) for line in f]
        return [r for r in recs if r.get("event") == event]

    def audit_verify(self, journal=None, check_rc=None):
        return self.run("audit", "verify", "--journal", journal or self.journal,
                        check_rc=check_rc)

    def verify(self, journal=None):
        r = self.run("verify", "--policy", POLICY, "--journal", journal or self.journal)
        gates = {}
        for line in r.stdout.splitlines():
            m = GATE_LINE.match(line)
            if m:
                gates[m.group(2)] = m.group(1)
        return r, gates

    def wait_gone(self, pid):
        """Waits (bounded) until backend pid has left pg_stat_activity."""
        deadline = time.monotonic() + WAIT
        while self.psql("SELECT count(*) FROM pg_stat_activity WHERE pid = %d" % pid) != "0":
            check(time.monotonic() < deadline, "backend %d still there after %ds" % (pid, WAIT))
            time.sleep(0.05)  # polling interval, not a wait for the condition


def expect_no_go(env, pattern, journal=None):
    """audit verify and verify both NO-GO, each naming pattern."""
    r = env.audit_verify(journal)
    check(r.returncode == 1 and re.search(r"^problem: " + pattern, r.stdout, re.M)
          and "NO-GO" in r.stdout,
          "audit verify: exit %d, expected 1 naming %r\n%s%s" % (r.returncode, pattern,
                                                                 r.stdout, r.stderr))
    v, gates = env.verify(journal)
    failed = sorted(g for g, s in gates.items() if s == "NO-GO")
    check(v.returncode == 1 and failed == ["audit-trail"],
          "verify: exit %d, NO-GO %s, expected audit-trail only\n%s" % (v.returncode, failed,
                                                                        v.stdout))
    check(re.search(r"problem: " + pattern, v.stdout),
          "verify does not name %r:\n%s" % (pattern, v.stdout))
    return r.stdout


def expect_go(env, journal=None):
    r = env.audit_verify(journal)
    check(r.returncode == 0 and "GO: the audit trail's hash chain holds" in r.stdout,
          "audit verify: exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    v, gates = env.verify(journal)
    check(v.returncode == 0 and gates.get("audit-trail") == "GO",
          "verify: exit %d\n%s%s" % (v.returncode, v.stdout, v.stderr))
    return r.stdout


BEGIN = ("SELECT audit.pgward_begin_run('%s', 'b', 'p', 'codex_staging', 'bundle', 'c', "
         "now())")


class Session:
    """A psql session kept open (its backend alive) until close(): it is sent SQL and
    never read from; what it did is seen in the database (wait_for)."""

    def __init__(self, env, user, app):
        e = dict(os.environ, PGAPPNAME=app)
        self.p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", env.db,
                                   "-U", user], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  text=True, env=e)

    def send(self, sql):
        self.p.stdin.write(sql + ";\n")
        self.p.stdin.flush()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=WAIT)


def wait_for(env, sql, what):
    """Polls sql (bounded) until it returns something other than empty."""
    deadline = time.monotonic() + WAIT
    while True:
        got = env.psql(sql)
        if got:
            return got
        check(time.monotonic() < deadline, "%s: not after %ds" % (what, WAIT))
        time.sleep(0.05)  # polling interval, not a wait for the condition


# ------------------------------------------------------------------ who may write


@test
def restricted_role_cannot_forge(env):
    b = env.bundle("bump", BUMP)
    # begin a run
    err = env.psql_fails(BEGIN % "00000000-0000-4000-8000-00000000f001", "codex_staging")
    check(NOT_WRITER in err, err)
    # an operator's run, running in a live session
    op = Session(env, "ehg_admin", "audit_test operator")
    try:
        op.send(BEGIN % "00000000-0000-4000-8000-00000000f002")
        pid = int(wait_for(env, "SELECT backend_pid FROM audit.runs WHERE id = "
                                "'00000000-0000-4000-8000-00000000f002'", "the operator's run"))
        # record a history row that would make apply skip the real migration
        err = env.psql_fails(
            "SELECT audit.pgward_record('00000000-0000-4000-8000-00000000f002', '[]', "
            "'[{\"path\": \"src/bump.sql\", \"sha256\": \"%s\", \"txn\": 1}]')"
            % ("0" * 64), "codex_staging")
        check(NOT_WRITER in err, err)
        # finish another operator's running run as committed
        err = env.psql_fails("SELECT audit.pgward_finish_run("
                             "'00000000-0000-4000-8000-00000000f002', 'committed', NULL)",
                             "codex_staging")
        check(NOT_WRITER in err, err)
        # nor may another writer while that session lives
        err = env.psql_fails("SELECT audit.pgward_finish_run("
                             "'00000000-0000-4000-8000-00000000f002', 'committed', NULL)",
                             "postgres")
        check("belongs to the session of backend %d, which is still alive" % pid in err, err)
    finally:
        op.close()
    env.wait_gone(pid)
    # the session is gone: a writer settles the run (what audit sync does)
    env.psql("SELECT audit.pgward_finish_run('00000000-0000-4000-8000-00000000f002', "
             "'failed', 'settled')")
    check(env.psql("SELECT status FROM audit.runs WHERE id = "
                   "'00000000-0000-4000-8000-00000000f002'") == "failed", "not settled")
    check(env.psql("SELECT count(*) FROM audit.files") == "0", "a forged history row exists")
    # pgward apply as codex_staging's own login: refused, nothing sent
    r = env.run("apply", "--pubkey", env.key + ".pub", b, user="codex_staging", check_rc=1)
    check(re.search(r"^pgward: session user 'codex_staging' may not write the audit trail "
                    r"\(not a member of pgward_audit_writer\); nothing was sent: connect as an "
                    r"operator login that is a member and give --set-role to run as "
                    r"'codex_staging'$", r.stderr, re.M), r.stderr)
    check(env.n() == 0, "sent although refused")
    check(not env.events("begin"), "journal has a run although nothing was sent")
    # the real migration runs through the operator
    env.apply(b)
    check(env.n() == 1, "not applied")


@test
def finished_run_is_sealed(env):
    run = env.applied(1)[0]
    err = env.psql_fails(
        "SELECT audit.pgward_record('%s', '[{\"seq\": 99, \"txn\": 1, \"file\": \"x\", "
        "\"sha256\": \"x\", \"status\": \"ok\"}]', '[]')" % run, "postgres")
    check("run %s is finished (committed): rows cannot be added to it" % run in err, err)
    # replaying what it has, and finishing it again, change nothing (audit sync)
    env.psql("SELECT audit.pgward_finish_run('%s', 'failed', 'again')" % run)
    check(env.psql("SELECT status FROM audit.runs WHERE id = '%s'" % run) == "committed",
          "a finished run changed")
    expect_go(env)


# ------------------------------------------------------------------ the chain


@test
def legit_apply_verifies(env):
    runs = env.applied(2)
    check(env.n() == 2, "not applied")
    # a run of 12 statements: seq 10 sorts after 9 in the chain, not after 1
    env.apply(env.bundle("twelve", BUMP * 12))
    runs = runs + [env.psql("SELECT id FROM audit.runs WHERE chain_pos = 3")]
    out = expect_go(env)
    check("hash chain: 3 sealed runs, head at position 3" in out, out)
    check("3 sealed runs of this trail cross-checked" in out, out)
    audited = env.events("audited")
    check([a.get("chain_pos") for a in audited] == [1, 2, 3], audited)
    trail = env.psql("SELECT id FROM audit.trail")
    for a, run in zip(audited, runs):
        check(a["run"] == run and a.get("trail") == trail, a)
        check(a["chain_hash"] == env.psql("SELECT chain_hash FROM audit.runs WHERE id = '%s'"
                                          % run), a)
    # the C recomputation and the SQL function agree on the text's hash
    got = env.psql("SELECT encode(sha256(convert_to(audit.pgward_chain_text(id, "
                   "(SELECT chain_hash FROM audit.runs WHERE chain_pos = 1)), 'UTF8')), "
                   "'hex') = chain_hash FROM audit.runs WHERE chain_pos = 2")
    check(got == "t", "the SQL chain text does not give the stored hash")


@test
def edited_statement_row(env):
    run = env.applied(2)[0]
    env.psql("UPDATE audit.statements SET rows_affected = 99 WHERE run_id = '%s' AND seq = 1"
             % run)
    expect_no_go(env, r"run %s: statement seq 1 was edited" % run)


@test
def deleted_statement_row(env):
    run = env.applied(2)[0]
    # its lock rows first (they reference it), as whoever deletes it must
    env.psql("DELETE FROM audit.locks WHERE run_id = '%s' AND seq = 1" % run)
    env.psql("DELETE FROM audit.statements WHERE run_id = '%s' AND seq = 1" % run)
    expect_no_go(env, r"run %s: 1 statement row deleted \(1 sealed, 0 now\): seq 1" % run)


@test
def edited_run_row(env):
    run = env.applied(2)[1]
    env.psql("UPDATE audit.runs SET role = 'ehg_admin' WHERE id = '%s'" % run)
    expect_no_go(env, r"run %s \(chain position 2\): its row in audit.runs, or its rows in "
                      r"audit.approvals or audit.locks, do not match its chain hash" % run)


@test
def deleted_run(env):
    first, second, _ = env.applied(3)
    for t in ("locks", "statements", "files"):
        env.psql("DELETE FROM audit.%s WHERE run_id = '%s'" % (t, second))
    env.psql("DELETE FROM audit.runs WHERE id = '%s'" % second)
    out = expect_no_go(env, r"chain position 2 is missing \(before run \S+ at 3\): a sealed "
                            r"run was deleted")
    check(re.search(r"^problem: run %s: the journal \(\S+:\d+\) has it sealed at chain "
                    r"position 2, but audit.runs has no such run: it was deleted" % second,
                    out, re.M), out)


@test
def forged_run(env):
    env.applied(2)
    forged = "00000000-0000-4000-8000-00000000f0f0"
    env.psql("INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, started_at, "
             "finished_at, status, mode) VALUES ('%s', 'b', 'p', 'codex_staging', now(), "
             "now(), 'committed', 'bundle')" % forged)
    expect_no_go(env, r"run %s \(committed, role codex_staging, started \S+\) is finished "
                      r"but not in the hash chain: forged or edited" % forged)
    # sealed at the next position, with a hash made up
    env.psql("UPDATE audit.runs SET chain_pos = 3, chain_hash = repeat('a', 64), "
             "chain_statements = 0, chain_files = 0 WHERE id = '%s'" % forged)
    expect_no_go(env, r"run %s \(chain position 3\): its row in audit.runs, or its rows in "
                      r"audit.approvals or audit.locks, do not match its chain hash" % forged)


@test
def deleted_last_run_needs_the_journal(env):
    last = env.applied(2)[1]
    for t in ("locks", "statements", "files"):
        env.psql("DELETE FROM audit.%s WHERE run_id = '%s'" % (t, last))
    env.psql("DELETE FROM audit.runs WHERE id = '%s'" % last)
    # the chain alone cannot see it
    expect_go(env, journal=os.path.join(env.dir, "none.jsonl"))
    # the journal can
    out = expect_no_go(env, r"the chain ends at position 1, behind the journal's 2 "
                            r"\(run %s, \S+:\d+\): sealed runs were deleted from its end"
                            % last)
    check("run %s: the journal" % last in out, out)


@test
def crash_then_sync_seals(env):
    b = env.bundle("bump", BUMP)
    e = dict(os.environ, PGDATABASE=env.db, PGUSER="ehg_admin", PGWARD_JOURNAL=env.journal,
             PGWARD_TEST_FAULT="before-commit")
    r = subprocess.run([env.pgward, "apply", "--pubkey", env.key + ".pub", "--set-role", b],
                       capture_output=True, text=True, cwd=env.dir, env=e, timeout=WAIT * 2)
    check(r.returncode < 0, "apply was not killed: %d %s" % (r.returncode, r.stderr))
    run = env.events("begin")[0]["run"]
    pid = env.events("begin")[0]["backend_pid"]
    env.wait_gone(pid)
    env.run("audit", "sync", check_rc=0)
    check(env.psql("SELECT status FROM audit.runs WHERE id = '%s'" % run) == "failed",
          "not settled")
    audited = env.events("audited")
    check(len(audited) == 1 and audited[0].get("chain_pos") == 1, audited)
    # the trail is complete; the run itself failed and nothing completed it yet
    r = env.audit_verify(check_rc=0)
    v, gates = env.verify()
    failed = sorted(g for g, s in gates.items() if s == "NO-GO")
    check(v.returncode == 1 and failed == ["runs-completed", "runs-no-errors"],
          "verify: exit %d, NO-GO %s\n%s" % (v.returncode, failed, v.stdout))
    env.apply(b)  # the same bundle, run again: the crash is history
    expect_go(env)


@test
def version_1_upgraded_as_legacy(env):
    # a fresh database with the version 1 audit schema and one run in it
    env.psql("DROP DATABASE %s WITH (FORCE)" % env.db, db="postgres")
    env.psql("CREATE DATABASE %s" % env.db, db="postgres")
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", env.db, "-f",
                        os.path.join(ROOT, "tests", "fixtures", "audit", "audit_v1.sql")],
                       capture_output=True, text=True, timeout=WAIT)
    check(r.returncode == 0, r.stderr)
    env.psql("SELECT audit.pgward_begin_run('00000000-0000-4000-8000-0000000000a1', 'b', 'p', "
             "'ehg_admin', 'bundle', 'c', now()); SELECT audit.pgward_finish_run("
             "'00000000-0000-4000-8000-0000000000a1', 'committed', NULL)")
    r = env.audit_verify()
    check(r.returncode == 1 and "audit.runs has no hash chain (audit schema before version 3)"
          in r.stdout, r.stdout)
    env.bootstrap()  # sql/audit.sql version 2 over it, as apply would
    check(env.psql("SELECT chain_pos || ' ' || chain_legacy FROM audit.runs") == "1 true",
          "not sealed as legacy")
    env.apply(env.bundle("bump", BUMP))
    out = expect_go(env)
    check("1 legacy run sealed at the upgrade to schema version 3" in out, out)
    check("head at position 2" in out, out)


@test
def show_run_as_a_timeline(env):
    """audit show --run: who, what, when, how long, each statement's outcome; the
    markdown evidence section says the same; a hostile file name is escaped."""
    ok = env.bundle("ok", BUMP * 2)
    env.apply(ok)
    ok_run = env.psql("SELECT id FROM audit.runs")
    digest = env.psql("SELECT bundle_sha256 FROM audit.runs")
    bad = env.bundle("bad|*x*", BUMP + "SELECT 1 / 0;\n")
    env.apply(bad, check_rc=3)
    bad_run = env.psql("SELECT id FROM audit.runs WHERE status = 'failed'")
    r = env.run("audit", "show", "--run", ok_run, check_rc=0)
    out = r.stdout
    check(out.startswith("run %s: committed\n" % ok_run), out)
    client = env.psql("SELECT client FROM audit.runs WHERE id = '%s'" % ok_run)
    check("  who:      role codex_staging, session user ehg_admin, operator %s, from "
          % client in out, out)
    check("  what:     bundle sha256 %s, policy sha256 " % digest in out, out)
    check("            file src/ok.sql, sha256 " in out and ", transaction 1, applied 20" in out,
          out)
    check(re.search(r"  when:     started 20\S+Z, ended 20\S+Z\n", out), out)
    check(re.search(r"  how long: [0-9.]+ ms; statements [0-9.]+ ms in total "
                    r"\(2 statements: 2 ok\)\n", out), out)
    check("  outcome:  committed\n" in out, out)
    # each statement's locks: the first takes ROW EXCLUSIVE, the second nothing new
    check(re.search(r"       1  src/ok\.sql:1:1  [0-9.]+ ms  ok  UPDATE 1, 1 row; locks: ROW "
                    r"EXCLUSIVE eng\.items\n"
                    r"       2  src/ok\.sql:2:1  [0-9.]+ ms  ok  UPDATE 1, 1 row; locks: none\n",
                    out), out)
    # the failed run: its statement, position and SQLSTATE; nothing applied
    out = env.run("audit", "show", "--run", bad_run, check_rc=0).stdout
    check(out.startswith("run %s: failed\n" % bad_run), out)
    check("no file recorded as applied (a file is, once all of it committed)" in out, out)
    check("(2 statements: 1 rolled-back, 1 failed)" in out, out)
    check(re.search(r"       2  src/bad\|\*x\*\.sql:2:1  [0-9.]+ ms  failed \[SQLSTATE 22012\]"
                    r": src/bad\|\*x\*\.sql:2:1: division by zero\n", out), out)
    # markdown: the same facts, table cells escaped
    md = env.run("audit", "show", "--run", bad_run, "--format", "markdown", check_rc=0).stdout
    check(md.startswith("### Evidence: run %s (failed)\n\n" % bad_run), md)
    check("- who: role codex\\_staging, session user ehg\\_admin, operator " in md, md)
    check("- outcome: **failed**: src/bad\\|\\*x\\*.sql:2:1: division by zero\n" in md, md)
    check("| seq | file:line:col | duration (ms) | rows | status | SQLSTATE | command or error "
          "| locks taken |" in md, md)
    check(re.search(r"\| 2 \| src/bad\\\|\\\*x\\\*\.sql:2:1 \| [0-9.]+ \|  \| failed \| 22012 \| "
                    r"src/bad\\\|\\\*x\\\*\.sql:2:1: division by zero \|  \|\n", md), md)
    check(re.search(r"\| 1 \| src/bad\\\|\\\*x\\\*\.sql:1:1 \| [0-9.]+ \| 1 \| rolled-back \|  \| "
                    r"UPDATE 1 \| ROW EXCLUSIVE eng\.items \|\n", md), md)
    # every table row has the header's eight cells (no | from a value splits one)
    rows = [x for x in md.splitlines() if x.startswith("| ")]
    check(all(len(re.findall(r"(?<!\\)\|", x)) == 9 for x in rows), md)
    # markdown is for one run; an unknown run is a database-side error
    r = env.run("audit", "show", "--format", "markdown", check_rc=2)
    check("--format markdown shows one run: give --run ID" in r.stderr, r.stderr)
    r = env.run("audit", "show", "--run", "00000000-0000-0000-0000-000000000000", check_rc=3)
    check("no run '00000000-0000-0000-0000-000000000000' in audit.runs" in r.stderr, r.stderr)
def upgraded_chain_unchanged(env, old):
    """A run sealed at schema version old still verifies after sql/audit.sql upgrades
    it: each later version's lines are added only for rows of its own tables."""
    env.psql("DROP DATABASE %s WITH (FORCE)" % env.db, db="postgres")
    env.psql("CREATE DATABASE %s" % env.db, db="postgres")
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", env.db, "-f",
                        os.path.join(ROOT, "tests", "fixtures", "audit", "audit_v%d.sql" % old)],
                       capture_output=True, text=True, timeout=WAIT)
    check(r.returncode == 0, r.stderr)
    env.psql("SELECT audit.pgward_begin_run('00000000-0000-4000-8000-0000000000a3', 'b', 'p', "
             "'ehg_admin', 'bundle', 'c', now()); SELECT audit.pgward_record("
             "'00000000-0000-4000-8000-0000000000a3', '[{\"seq\": 1, \"txn\": 1, "
             "\"file\": \"a.sql\", \"file_seq\": 1, \"sha256\": \"x\", "
             "\"status\": \"ok\", \"locks\": [{\"relation\": \"eng.items\", "
             "\"mode\": \"AccessExclusiveLock\"}]}]', '[]'); SELECT audit.pgward_finish_run("
             "'00000000-0000-4000-8000-0000000000a3', 'committed', NULL)")
    check(env.psql("SELECT audit.pgward_schema_version()") == str(old), "not version %d" % old)
    before = env.psql("SELECT chain_hash FROM audit.runs")
    check(len(before) == 64, "not sealed at version %d: %s" % (old, before))
    env.bootstrap()  # the current sql/audit.sql over it, as apply would
    check(env.psql("SELECT audit.pgward_schema_version()") == "5", "not upgraded")
    check(env.psql("SELECT chain_hash FROM audit.runs") == before, "the old run's hash changed")
    check(env.psql("SELECT count(*) FROM audit.locks") == "0", "locks invented for an old run")
    out = expect_go(env)
    check("head at position 1" in out and "legacy" not in out, out)
    env.apply(env.bundle("bump", BUMP))
    out = expect_go(env)
    check("head at position 2" in out, out)
    # the new run's locks are in the chain: editing one is seen
    check(env.psql("SELECT count(*) FROM audit.locks l JOIN audit.runs r ON r.id = l.run_id "
                   "WHERE r.chain_pos = 2 AND l.relation = 'eng.items'") == "1",
          "the new run's lock not recorded")
    env.psql("UPDATE audit.locks SET mode = 'RowShareLock' WHERE relation = 'eng.items'")
    expect_no_go(env, r"run \S+ \(chain position 2\): its row in audit.runs, or its rows in "
                      r"audit.approvals or audit.locks, do not match its chain hash")


@test
def version_3_upgraded_chain_unchanged(env):
    upgraded_chain_unchanged(env, 3)


@test
def version_4_upgraded_chain_unchanged(env):
    upgraded_chain_unchanged(env, 4)


if __name__ == "__main__":
    sys.exit(run_tests(Env))
