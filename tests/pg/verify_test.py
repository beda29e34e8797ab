#!/usr/bin/env python3
"""Integration tests of `pgward verify` against a real PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/verify_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, bootstrapped as `pgward stage up` does it
(the script `pgward stage sql` prints, in one transaction, then codex_staging given
LOGIN and an 8-hour VALID UNTIL, ehg_admin LOGIN), its own folder and journal, and
verifies as ehg_admin with rules/staging.policy. The clean bootstrap must be GO;
each deliberate breakage must be NO-GO naming exactly the checklist items it fails
(ITEMS; some breakages fail more than one by design, e.g. an extra grant to the
automation role fails privileges and automation-permissions), every other item
still GO, and the same verdict, failed items and exit status in text, JSON and
markdown (Env.expect_formats). Every item is flipped by some test: schemas,
extensions, row-security, automation-connect, roles, privileges and
automation-permissions, lifetime, runs-completed alone (a cancelled last run; a
run without a final status, with audit-trail), runs-no-errors (with runs-completed:
a failed last run; with audit-trail: a statement in doubt), audit-trail, views,
sensitive-rls, catalog-assumptions; server-healthy and database-accessible only
fail as exit 3 (cannot_connect), when there is no report at all. Roles belong to
the cluster, not to a database: every test's bootstrap resets their attributes and
every test puts back what it changed.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pgtest
from pgtest import Failure, check, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(ROOT, "rules", "staging.policy")

GATES = ["schemas", "extensions", "row-security", "sensitive-rls", "roles", "privileges",
         "lifetime", "views", "catalog-assumptions", "audit-trail"]
# the checklist, in its order (src/verify/checklist.c): every gate is an item
ITEMS = ["server-healthy", "database-accessible", "schemas", "extensions", "row-security",
         "automation-connect", "automation-permissions", "roles", "privileges", "lifetime",
         "runs-completed", "runs-no-errors", "audit-trail", "views", "sensitive-rls",
         "catalog-assumptions"]


GATE_LINE = re.compile(r"^(GO|NO-GO) +([a-z-]+): ")


class Result:
    """One run of pgward verify: exit status, output, and the gates of a text run."""

    def __init__(self, r, args):
        self.rc = r.returncode
        self.out = r.stdout
        self.err = r.stderr
        self.args = args
        self.gates = {}
        for line in r.stdout.splitlines():
            m = GATE_LINE.match(line)
            if m:
                self.gates[m.group(2)] = m.group(1)

    def describe(self):
        return "pgward verify %s: exit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.args), self.rc, self.out, self.err)

    def section(self, gate):
        """The lines of one gate in the text output (its line, evidence, problems)."""
        lines, on = [], False
        for line in self.out.splitlines():
            m = GATE_LINE.match(line)
            if m:
                on = m.group(2) == gate
            elif not line.startswith(" "):
                on = False
            if on:
                lines.append(line)
        return "\n".join(lines)


class Env(pgtest.StagedEnv):
    """One test's staged database and folder (pgward runs without a journal)."""

    PREFIX = "v"
    JOURNAL = False

    def __init__(self, pgward, name):
        super().__init__(pgward, name, POLICY)

    def close(self):
        # roles are the cluster's: put back what a test may have changed
        super().close(reset_roles=["ALTER ROLE analyst_ro NOBYPASSRLS",
                                   "REVOKE eng_service FROM codex_staging"])

    def verify(self, *extra, user="ehg_admin"):
        args = ["verify", "--policy", POLICY, "--journal", self.journal] + list(extra)
        return Result(self.run(*args, user=user), args)

    def expect_go(self):
        res = self.verify()
        check(res.rc == 0, "expected GO (exit 0)\n" + res.describe())
        check(list(res.gates) == ITEMS, "items listed: %s\n%s" % (
            list(res.gates), res.describe()))
        check(all(v == "GO" for v in res.gates.values()), "an item failed\n" + res.describe())
        check(res.out.splitlines()[-1] == "GO", "last line is not GO\n" + res.describe())
        check(res.err == "", "stderr is not empty\n" + res.describe())
        self.expect_formats([])
        return res

    def expect_no_go(self, failing, *patterns):
        """NO-GO (exit 1) with exactly the items in failing failed, each named on the
        last line, every pattern found in the first failing item's section, and the
        same verdict and items in JSON and markdown."""
        res = self.verify()
        check(res.rc == 1, "expected NO-GO (exit 1)\n" + res.describe())
        check(list(res.gates) == ITEMS, "items listed: %s\n%s" % (
            list(res.gates), res.describe()))
        failed = sorted(g for g, v in res.gates.items() if v == "NO-GO")
        check(failed == sorted(failing), "failed items %s, expected %s\n%s" % (
            failed, sorted(failing), res.describe()))
        last = res.out.splitlines()[-1]
        want = "NO-GO: %d item%s failed (" % (len(failing), "" if len(failing) == 1 else "s")
        check(last.startswith(want), "last line %r\n%s" % (last, res.describe()))
        for g in failing:
            check(g in last, "last line does not name %s: %r" % (g, last))
        section = res.section(failing[0])
        for pat in patterns:
            check(re.search(pat, section), "%r not in the %s item:\n%s" % (
                pat, failing[0], res.describe()))
        self.expect_formats(failing)
        return res

    def expect_formats(self, failing):
        """JSON and markdown render the same verdict, the same items failed, and the
        same exit status as text: one evaluation, never one per format."""
        rc = 1 if failing else 0
        verdict = "NO-GO" if failing else "GO"
        want = [i for i in ITEMS if i in failing]
        js = self.verify("--format", "json")
        check(js.rc == rc, "json: exit %d, expected %d\n%s" % (js.rc, rc, js.describe()))
        doc = json.loads(js.out)
        check(doc["verdict"] == verdict and doc["failed"] == want,
              "json: verdict %s, failed %s; expected %s %s" % (doc["verdict"], doc["failed"],
                                                              verdict, want))
        check([i["id"] for i in doc["items"]] == ITEMS, js.out)
        for i in doc["items"]:
            check(i["pass"] == (i["id"] not in failing) and i["pass"] == (not i["problems"]), i)
        md = self.verify("--format", "markdown")
        check(md.rc == rc, "markdown: exit %d, expected %d\n%s" % (md.rc, rc, md.describe()))
        check(md.out.startswith("## pgward verify: %s\n" % verdict), md.out)
        boxes = dict((m.group(2), m.group(1)) for m in
                     re.finditer(r"^- \[([x ])\] .* \(`([a-z-]+)`\)$", md.out, re.M))
        check(list(boxes) == [i for i in ITEMS if i in boxes] and sorted(boxes) == sorted(ITEMS),
              "markdown items %s\n%s" % (list(boxes), md.out))
        check(sorted(k for k, v in boxes.items() if v == " ") == sorted(failing),
              "markdown unticked %s, expected %s\n%s" % (
                  sorted(k for k, v in boxes.items() if v == " "), sorted(failing), md.out))
        if failing:
            check("- verdict: **NO-GO**: %d of %d items failed (%s)\n" % (
                len(failing), len(ITEMS), ", ".join(want)) in md.out, md.out)
        else:
            check("- verdict: **GO**: all %d items pass\n" % len(ITEMS) in md.out, md.out)


def wait_until(env, sql, what):
    """Polls sql (bounded by pgtest.WAIT) until it returns a row."""
    deadline = time.monotonic() + pgtest.WAIT
    while not env.psql(sql):
        check(time.monotonic() < deadline, "%s: not after %ds" % (what, pgtest.WAIT))
        time.sleep(0.05)  # polling interval, not a wait for the condition


def write_journal(env, records):
    with open(env.journal, "w") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")


RUN_ID = "5f0d3c9e-1111-4222-8333-944455556666"
BEGIN = {"v": 1, "run": RUN_ID, "event": "begin", "time": "2026-01-02T03:04:05.678Z",
         "bundle": "0" * 64, "policy": "1" * 64, "role": "codex_staging", "mode": "bundle"}


# ------------------------------------------------------------------ the clean bootstrap

@test
def clean_bootstrap_is_go(env):
    res = env.expect_go()
    check("eng.service_credentials (sensitive" in res.section("sensitive-rls"),
          "the sensitive table is not in the evidence\n" + res.describe())
    check(re.search(r"codex_staging \(lifetime 8h\): LOGIN, VALID UNTIL \S+Z, 7h5\dm from now",
                    res.section("lifetime")), "lifetime evidence\n" + res.describe())
    check("codex_staging (restricted): eng: USAGE on the schema, SELECT, INSERT, UPDATE on "
          "1 relation" in res.section("privileges"), "privilege evidence\n" + res.describe())
    check("none (nothing to sync)" in res.section("audit-trail"),
          "journal evidence\n" + res.describe())


@test
def applied_bundle_then_go(env):
    """A real run: bundle and apply as ehg_admin, then GO with the run in evidence."""
    env.write("src/01_projects.sql",
              "CREATE TABLE eng.projects (id integer PRIMARY KEY, name text NOT NULL);\n"
              "INSERT INTO eng.projects VALUES (1, 'first');\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b1",
            "src/01_projects.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b1", check_rc=0)
    res = env.expect_go()
    check("1 run: 1 committed, 0 failed" in res.section("audit-trail"), res.describe())
    check("1 run, 1 synced" in res.section("audit-trail"), res.describe())
    md = env.verify("--format", "markdown")
    check(md.rc == 0, md.describe())
    check("- [x] all staging scripts completed successfully (`runs-completed`)\n" in md.out,
          md.out)
    check("- [x] zero errors in staging execution (`runs-no-errors`)\n" in md.out, md.out)


@test
def durations_per_run(env):
    """Each run's statement durations: added up, the run's time, the slowest with
    file:line (most recent run first); in markdown under the performance item,
    which stays unticked."""
    env.write("src/01_slow.sql", "SELECT pg_sleep(0.2);\nSELECT 1;\nSELECT pg_sleep(0.1);\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b1",
            "src/01_slow.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b1", check_rc=0)
    env.write("src/02_fail.sql", "SELECT 1 / 0;\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b2",
            "src/02_fail.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b2", check_rc=3)
    runs = env.psql("SELECT string_agg(id::text, ' ' ORDER BY started_at DESC) FROM audit.runs"
                    ).split()
    res = env.verify()
    sec = res.section("audit-trail")
    lines = [x.strip() for x in sec.splitlines() if x.strip().startswith("durations: ")]
    check(len(lines) == 2, res.describe())
    check(re.match(r"durations: run %s \(failed, started 20\S+Z\): 1 statement, [0-9.]+ ms in "
                   r"statements, \d+ ms for the run; slowest: src/02_fail\.sql:1 \([0-9.]+ ms\); locks "
                   r"that keep writers waiting: not observed \(pgward audit show --run ID\)$"
                   % runs[0], lines[0]), lines[0])
    m = re.match(r"durations: run %s \(committed, started 20\S+Z\): 3 statements, ([0-9.]+) ms "
                 r"in statements, (\d+) ms for the run; slowest: src/01_slow\.sql:1 "
                 r"\(([0-9.]+) ms\), src/01_slow\.sql:3 \(([0-9.]+) ms\), src/01_slow\.sql:2 "
                 r"\([0-9.]+ ms\); locks that keep writers waiting: none$" % runs[1], lines[1])
    check(m and float(m.group(3)) >= 200 and 100 <= float(m.group(4)) < 200, lines[1])
    check(300 <= float(m.group(1)) <= float(m.group(2)) + 1, lines[1])
    md = env.verify("--format", "markdown").out
    i = md.index("Not part of the verdict: performance impact under 10% (not measured by "
                 "pgward).\n")
    ev = md[i:].splitlines()[1]
    check(ev.startswith("  - evidence: run %s (failed, " % runs[0]), ev)
    check(("; run %s (committed, " % runs[1]) in ev, ev)
    check(ev.endswith("; the impact against a baseline is not measured by pgward (a policy's "
                      "budget run, statement and lock are the gate budget)"), ev)
    # the locks each statement took are evidence: the failed run's SELECTs took none
    # that keeps writers waiting
    check("; locks that keep writers waiting: none" in ev, ev)


@test
def budget_gate(env):
    """budget run / budget statement in the policy: a gate of their own, judged on the
    latest run of each bundle; without a budget there is no such gate (the others)."""
    with open(POLICY) as f:
        staging = f.read()
    budgeted = env.write("budget.policy", staging + "\nbudget run 30s;\nbudget statement 1s;\n")

    def verify_budget(*extra):
        args = ["verify", "--policy", budgeted, "--journal", env.journal] + list(extra)
        return Result(env.run(*args), args)

    res = verify_budget()
    check(res.rc == 0 and res.gates.get("budget") == "GO", res.describe())
    check("budget run 30s: no run has ended yet" in res.section("budget"), res.describe())
    env.write("src/01_quick.sql", "SELECT 1;\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b1",
            "src/01_quick.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b1", check_rc=0)
    res = verify_budget()
    check(res.rc == 0 and res.gates.get("budget") == "GO", res.describe())
    check(re.search(r"budget run 30s: the latest runs of 1 bundle are within it \(the longest: "
                    r"run \S+, \d+ ms\)", res.section("budget")), res.describe())
    check(re.search(r"budget statement 1s: every statement of those runs is within it \(the "
                    r"slowest: src/01_quick\.sql:1 in run \S+, [0-9.]+ ms\)",
                    res.section("budget")), res.describe())
    # a statement over the budget: NO-GO in text, JSON and markdown alike
    env.write("src/02_slow.sql", "SELECT 1;\nSELECT pg_sleep(1.1);\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b2",
            "src/02_slow.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "--dry-run", "b2", check_rc=0)
    run = env.psql("SELECT id FROM audit.runs WHERE status = 'dry-run'")
    res = verify_budget()
    check(res.rc == 1 and res.gates.get("budget") == "NO-GO", res.describe())
    check([g for g, v in res.gates.items() if v == "NO-GO"] == ["budget"], res.describe())
    check(re.search(r"problem: statement 2 of run %s \(src/02_slow\.sql:2\) took 1[0-9]{3}\.\d "
                    r"ms, over the policy's statement budget of 1s" % run, res.section("budget")),
          res.describe())
    doc = json.loads(verify_budget("--format", "json").out)
    check(doc["verdict"] == "NO-GO" and doc["failed"] == ["budget"], doc)
    md = verify_budget("--format", "markdown")
    check(md.rc == 1 and "- [ ] the latest run of each bundle is within the policy's budgets "
          "(`budget`)" in md.out, md.out)
    # budget lock: a lock that keeps writers waiting, held past the budget to its
    # transaction's end, is NO-GO naming it; a table the run itself created is not
    locked = env.write("lock.policy", staging + "\nbudget lock 1s;\n")
    env.psql("CREATE TABLE eng.budget_t (x int); ALTER TABLE eng.budget_t OWNER TO ehg_admin")
    env.write("src/03_new.sql", "CREATE TABLE eng.budget_new (x int);\n"
                                "ALTER TABLE eng.budget_new ADD COLUMN y int;\n"
                                "SELECT pg_sleep(1.1);\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b3",
            "src/03_new.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b3", check_rc=0)

    def verify_locks(*extra):
        args = ["verify", "--policy", locked, "--journal", env.journal] + list(extra)
        return Result(env.run(*args), args)

    res = verify_locks()
    sec = res.section("budget")
    check(res.gates.get("budget") == "GO", res.describe())
    check("budget lock 1s: every lock that keeps writers waiting was held within it" in sec
          or "budget lock 1s: the latest runs took no lock that keeps writers waiting" in sec,
          res.describe())
    check("budget_new" not in sec, res.describe())
    env.write("src/04_alter.sql", "ALTER TABLE eng.budget_t ADD COLUMN y int;\n"
                                  "SELECT pg_sleep(1.1);\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "b4",
            "src/04_alter.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "b4", check_rc=0)
    run = env.psql("SELECT id FROM audit.runs ORDER BY started_at DESC LIMIT 1")
    res = verify_locks()
    check(res.rc == 1 and res.gates.get("budget") == "NO-GO", res.describe())
    check(re.search(r"problem: statement 1 of run %s \(src/04_alter\.sql:1\) took ACCESS "
                    r"EXCLUSIVE on eng\.budget_t and held it 1[0-9]{3}\.\d ms \(to its "
                    r"transaction's end\), over the policy's lock budget of 1s" % run,
                    res.section("budget")), res.describe())
    # the same evidence in audit show: each statement's locks
    r = env.run("audit", "show", "--run", run, check_rc=0)
    check("ALTER TABLE; locks: ACCESS EXCLUSIVE eng.budget_t\n" in r.stdout, r.stdout)
    doc = json.loads(env.run("audit", "show", "--run", run, "--format", "json",
                             check_rc=0).stdout)
    check(doc["statements"][0]["locks"] == [{"relation": "eng.budget_t",
                                             "mode": "AccessExclusiveLock",
                                             "created": False}], doc)
    # an unknown budget is refused, not silently met
    env.write("bad.policy", staging + "\nbudget locks 2s;\n")
    r = env.run("verify", "--policy", "bad.policy", check_rc=2)
    check("unknown budget 'locks': expected run, statement or lock" in r.stderr, r.stderr)
    # without a budget: no gate budget
    check("budget" not in env.verify().gates, "a budget gate without a budget")


@test
def read_only_database_still_verifies(env):
    """verify writes nothing: it works where every transaction is read-only."""
    env.psql("ALTER DATABASE %s SET default_transaction_read_only = on" % env.db)
    env.expect_go()


# ------------------------------------------------------------------ one breakage each

@test
def rls_disabled_on_sensitive_table(env):
    env.psql("ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY")
    env.expect_no_go(["sensitive-rls"], r"problem: eng\.service_credentials .*RLS NOT enabled")


@test
def rls_not_forced_and_no_policy(env):
    env.psql("ALTER TABLE eng.service_credentials NO FORCE ROW LEVEL SECURITY")
    env.psql("DROP POLICY admin_all ON eng.service_credentials")
    env.expect_no_go(["sensitive-rls"], r"NOT forced; no policy")


@test
def extra_grant_to_codex(env):
    env.psql("GRANT DELETE ON eng.service_credentials TO codex_staging")
    env.expect_no_go(["privileges", "automation-permissions"],
                     r"problem: codex_staging holds DELETE on table eng\.service_credentials "
                     r"\(granted directly by ehg_admin\): beyond its grants there "
                     r"\(select, insert, update\)")


@test
def hostile_name_shown_escaped(env):
    """A table named with a terminal escape sequence: verify names it escaped
    (\\x1b), never raw, in text, markdown and JSON."""
    env.psql('CREATE TABLE eng."t\x1b]0;pwned\x07\x1b[2J" (id int); '
             'GRANT DELETE ON eng."t\x1b]0;pwned\x07\x1b[2J" TO codex_staging')
    env.expect_no_go(["privileges", "automation-permissions"], r"codex_staging holds DELETE on table "
                                     r"eng\.t\\x1b\]0;pwned\\x07\\x1b\[2J ")
    for fmt in ("text", "markdown", "json"):
        res = env.verify("--format", fmt)
        check(res.rc == 1 and "\x1b" not in res.out and "\x07" not in res.out,
              "%s: %r" % (fmt, res.out[-400:]))


@test
def extra_schema_create_to_codex(env):
    env.as_admin("GRANT CREATE ON SCHEMA eng TO codex_staging")
    env.expect_no_go(["privileges", "automation-permissions"], r"codex_staging holds CREATE on schema eng")


@test
def extra_privileges_through_membership(env):
    env.psql("GRANT eng_service TO codex_staging")
    env.expect_no_go(["privileges", "automation-permissions"],
                     r"codex_staging holds DELETE on table eng\.service_credentials \(through "
                     r"membership in eng_service, granted by ehg_admin\)",
                     r"codex_staging holds CREATE on schema eng \(through membership in "
                     r"eng_service")


@test
def grant_to_public(env):
    env.as_admin("GRANT SELECT ON eng.service_credentials TO PUBLIC")
    env.expect_no_go(["privileges"], r"problem: PUBLIC holds SELECT on table "
                                     r"eng\.service_credentials \(granted by ehg_admin\)")


@test
def bypassrls_role(env):
    env.psql("ALTER ROLE analyst_ro BYPASSRLS")
    env.expect_no_go(["roles"], r"problem: analyst_ro has BYPASSRLS")


@test
def codex_credential_expired(env):
    env.valid_for("-1 day")
    env.expect_no_go(["lifetime", "automation-permissions", "automation-connect"],
                     r"problem: codex_staging: expired at \S+Z, 1d00h ago")


@test
def codex_credential_never_expires(env):
    env.psql("ALTER ROLE codex_staging VALID UNTIL 'infinity'")
    env.expect_no_go(["lifetime", "automation-permissions"], r"problem: codex_staging: never expires \(VALID UNTIL "
                                   r"infinity\); its lifetime is 8h")


@test
def codex_credential_longer_than_lifetime(env):
    env.valid_for("3 days")
    env.expect_no_go(["lifetime", "automation-permissions"], r"codex_staging: valid for 2d23h more, longer than its "
                                   r"lifetime 8h")


@test
def broken_view(env):
    env.as_admin("CREATE VIEW views.broken AS SELECT 1/0 AS x")
    env.expect_no_go(["views"], r"problem: view views\.broken does not compile: division by "
                                r"zero \[SQLSTATE 22012\]", r"2 of 3 views plan")


@test
def view_whose_owner_lost_select(env):
    env.as_admin("CREATE TABLE eng.base (id integer PRIMARY KEY); "
                 "CREATE VIEW views.stale AS SELECT id FROM eng.base; "
                 "REVOKE SELECT ON eng.base FROM ehg_admin")
    env.expect_no_go(["views"], r"view views\.stale does not compile: permission denied for "
                                r"table base \[SQLSTATE 42501\]")


@test
def cross_family_foreign_key(env):
    env.as_admin("CREATE TABLE vh.assignments (id integer PRIMARY KEY, "
                 "service_id uuid REFERENCES eng.service_credentials (id))")
    env.expect_no_go(["catalog-assumptions"],
                     r"problem: isolation: foreign key assignments_service_id_fkey: vh\.assignments "
                     r"\(family vh\) references eng\.service_credentials \(family eng\)")


@test
def cross_family_view_function_trigger(env):
    env.as_admin("CREATE TABLE vh.tasks (id integer PRIMARY KEY); "
                 "CREATE VIEW eng.tasks_seen AS SELECT id FROM vh.tasks; "
                 "CREATE VIEW views.bridged AS SELECT t.id FROM vh.tasks t, "
                 "eng.service_credentials c; "
                 "CREATE FUNCTION eng.count_tasks() RETURNS bigint LANGUAGE sql "
                 "BEGIN ATOMIC SELECT count(*) FROM vh.tasks; END; "
                 "CREATE FUNCTION eng.touch() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$BEGIN UPDATE \"vh\" . tasks SET id = id WHERE false; RETURN NEW; END$$; "
                 "CREATE TRIGGER touch AFTER INSERT ON eng.service_credentials "
                 "FOR EACH ROW EXECUTE FUNCTION eng.touch()")
    res = env.expect_no_go(["catalog-assumptions"],
                           r"view eng\.tasks_seen \(family eng\) reads vh\.tasks \(family vh\)",
                           r"function eng\.count_tasks\(\) \(family eng\) refers to vh\.tasks",
                           r"function eng\.touch\(\) \(family eng\) refers to schema vh",
                           r"trigger touch on eng\.service_credentials")
    check("views.bridged" not in res.section("catalog-assumptions"),
          "the bridge view was reported\n" + res.describe())


@test
def unsynced_journal_then_sync(env):
    write_journal(env, [BEGIN])
    env.expect_no_go(["audit-trail"],
                     r"problem: run %s not synced \(journal \S+:1, started "
                     r"2026-01-02T03:04:05\.678Z, role codex_staging\): run pgward audit sync"
                     % RUN_ID)
    env.run("audit", "sync", "--journal", env.journal, check_rc=0)
    # the trail is complete now; the run it recorded failed and nothing completed it
    res = env.expect_no_go(["runs-completed", "runs-no-errors"],
                           r"problem: run %s of bundle 000000000000 \(role codex_staging, "
                           r"started \S+\) failed and no later run of the bundle \(or of its failed file\) "
                           r"committed"
                           % RUN_ID)
    check("1 run, 1 synced" in res.section("audit-trail"), res.describe())
    check("1 run: 0 committed, 1 failed" in res.section("audit-trail"), res.describe())


@test
def running_run_without_session(env):
    env.psql("INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, started_at, "
             "status, mode) VALUES ('%s', 'b', 'p', 'codex_staging', now(), 'running', "
             "'bundle')" % RUN_ID)
    env.expect_no_go(["audit-trail", "runs-completed"],
                     r"run %s \(role codex_staging, started \S+\) has no "
                                      r"final status and no live session" % RUN_ID)


@test
def malformed_journal(env):
    env.write("journal.jsonl", "{not json\n")
    env.expect_no_go(["audit-trail"], r"problem: cannot read the journal: \S+journal\.jsonl:1:")


@test
def audit_trail_unreadable(env):
    """codex_staging may not read audit.runs: the gate says so (exit 1, not 3)."""
    res = env.verify(user="codex_staging")
    check(res.rc == 1, res.describe())
    check(res.gates.get("audit-trail") == "NO-GO", res.describe())
    check(re.search(r"cannot read audit\.runs as codex_staging: permission denied for table "
                    r"runs \[SQLSTATE 42501\]", res.section("audit-trail")), res.describe())


@test
def run_in_doubt_stays_no_go(env):
    """A statement in doubt (its outcome lost) is NO-GO even though a later run of the
    same bundle committed: what it did is not known until someone settles it."""
    b = load_bundle(env)
    env.as_admin("INSERT INTO eng.src VALUES (1)")
    env.run("apply", "--journal", env.journal, b, check_rc=0)
    digest = env.psql("SELECT bundle_sha256 FROM audit.runs")
    env.as_admin(
        "SELECT audit.pgward_begin_run('%s', '%s', 'p', 'ehg_admin', 'bundle', 'c', "
        "now() - interval '1 hour'); "
        "SELECT audit.pgward_record('%s', '[{\"seq\": 1, \"txn\": 0, \"file\": "
        "\"src/01_load.sql\", \"file_seq\": 2, \"line\": 2, \"col\": 1, \"sha256\": \"x\", "
        "\"status\": \"in-doubt\"}]', NULL); "
        "SELECT audit.pgward_finish_run('%s', 'failed', 'connection lost')"
        % (RUN_ID, digest, RUN_ID, RUN_ID))
    env.expect_no_go(["runs-no-errors", "audit-trail"],
                     r"problem: run %s: statement 1 \(src/01_load\.sql:2\) is in doubt and not "
                     r"settled" % RUN_ID)
    env.run("audit", "settle", RUN_ID, "1", "did-not-run", "--note", "checked eng.dst",
            check_rc=0)
    env.expect_go()


@test
def cancelled_run_last_is_not_completed(env):
    """A run cancelled by a signal (rolled back, no statement failed) and nothing
    after it: not completed (NO-GO on runs-completed alone: no error stands)."""
    b = load_bundle(env)
    env.as_admin("INSERT INTO eng.src VALUES (1)")
    holder = subprocess.Popen(["psql", "-X", "-q", "-d", env.db, "-U", "ehg_admin"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    apply = None
    try:
        holder.stdin.write("BEGIN; LOCK TABLE eng.dst IN ACCESS EXCLUSIVE MODE; "
                           "SELECT 'held';\n")
        holder.stdin.flush()
        wait_until(env, "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname = 'dst' AND l.mode = 'AccessExclusiveLock' AND l.granted",
                   "the lock held")
        e = dict(os.environ, PGDATABASE=env.db, PGUSER="ehg_admin")
        apply = subprocess.Popen([env.pgward, "apply", "--journal", env.journal, b], cwd=env.dir,
                                 env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until(env, "SELECT 1 FROM pg_stat_activity WHERE application_name LIKE "
                        "'pgward apply %' AND wait_event_type = 'Lock'", "apply waiting")
        apply.send_signal(signal.SIGINT)
        out, err = apply.communicate(timeout=pgtest.WAIT)
        check(apply.returncode != 0 and "cancelled" in err, "apply: exit %d\n%s%s" % (
            apply.returncode, out, err))
    finally:
        if apply and apply.poll() is None:
            apply.kill()
            apply.wait()
        holder.stdin.close()
        holder.wait(timeout=pgtest.WAIT)
    run = env.psql("SELECT id FROM audit.runs WHERE status = 'cancelled'")
    check(run, "no cancelled run: " + env.psql("SELECT string_agg(status, ',') FROM audit.runs"))
    env.expect_no_go(["runs-completed"],
                     r"problem: run %s of bundle [0-9a-f]{12} \(role ehg_admin, started \S+Z\) "
                     r"cancelled and no later run of the bundle \(or of its failed file\) committed: "
                     r"cancelled by a signal"
                     % run)


# ------------------------------------------------------------------ formats and failures

@test
def markdown_checklists(env):
    env.psql("ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY")
    res = env.verify("--format", "markdown")
    check(res.rc == 1, res.describe())
    out = res.out
    check(out.startswith("## pgward verify: NO-GO\n"), out)
    check("- verdict: **NO-GO**: 1 of %d items failed (sensitive-rls)\n" % len(ITEMS) in out, out)
    check(re.search(r"- policy: \S+staging\.policy \(sha256 [0-9a-f]{64}\)\n", out), out)
    for h in ("### Staging validation", "### Quality gates", "### Go/no-go criteria"):
        check("\n%s\n" % h in out, "missing %s\n%s" % (h, out))
    for item in ("- [x] server healthy (`server-healthy`)",
                 "- [x] database accessible (`database-accessible`)",
                 "- [x] schemas created (`schemas`)",
                 "- [x] extensions installed (`extensions`)",
                 "- [x] RLS enabled by default (`row-security`)",
                 "- [x] the automation role can connect (`automation-connect`)",
                 "- [x] its permissions verified (`automation-permissions`)",
                 "- [x] each role's privileges are within its grants (`privileges`)",
                 "- [x] all staging scripts completed successfully (`runs-completed`)",
                 "- [x] zero errors in staging execution (`runs-no-errors`)",
                 "- [x] audit trail complete (`audit-trail`)",
                 "- [x] views compile without errors (`views`)",
                 "- [ ] RLS policies active on sensitive tables (`sensitive-rls`)",
                 "- [x] cross-boundary isolation verified (`catalog-assumptions`)"):
        check("\n" + item + "\n" in out, "missing %r\n%s" % (item, out))
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("- ["):
            check(i + 1 < len(lines) and lines[i + 1].startswith("  - evidence: "),
                  "no evidence under %r" % line)
    # what pgward does not measure is said, and is no checkbox the verdict could hide
    check("\nNot part of the verdict: performance impact under 10% (not measured by pgward).\n"
          in out, out)
    check("- [ ] performance" not in out, out)
    check("  - evidence: the impact against a baseline is not measured by pgward (a policy's "
          "budget run, statement and lock are the gate budget)\n" in out, out)
    check(re.search(r"  - problem: eng\.service_credentials .*RLS NOT enabled", out), out)


@test
def json_report(env):
    env.psql("GRANT DELETE ON eng.service_credentials TO codex_staging")
    res = env.verify("--format", "json")
    check(res.rc == 1, res.describe())
    doc = json.loads(res.out)
    check(doc["version"] == 1 and doc["verdict"] == "NO-GO", res.out)
    check(doc["failed"] == ["automation-permissions", "privileges"], res.out)
    check([g["id"] for g in doc["gates"]] == GATES, res.out)
    for g in doc["gates"]:
        keys = {"id", "title", "pass", "evidence", "problems"}
        check(set(g) == keys | ({"assumptions"} if g["id"] == "catalog-assumptions" else set()),
              g)
        check(g["pass"] == (g["id"] != "privileges"), g)
        check(g["pass"] == (not g["problems"]), g)
    priv = doc["gates"][GATES.index("privileges")]
    check(any("codex_staging holds DELETE" in p for p in priv["problems"]), priv)
    check(doc["database"] == env.db and doc["user"] == "ehg_admin", res.out)
    check(re.fullmatch(r"[0-9a-f]{64}", doc["policy"]["sha256"]), res.out)
    check(doc["runs"]["total"] == 0 and doc["automation_role"]["name"] == "codex_staging",
          res.out)
    check(doc["automation_role"]["login"] is True, res.out)


# ------------------------------------------------------------------ the other items

@test
def schema_missing(env):
    env.as_admin("DROP SCHEMA views CASCADE")
    env.expect_no_go(["schemas"], r"problem: schema views \(bridge\) does not exist")


@test
def extension_missing(env):
    env.psql('DROP EXTENSION "uuid-ossp"')
    env.expect_no_go(["extensions"], r"problem: extension uuid-ossp is not installed")


@test
def row_security_off_for_database(env):
    env.psql("ALTER DATABASE %s SET row_security = off" % env.db)
    env.expect_no_go(["row-security"], r"problem: SHOW row_security: off")


@test
def automation_role_cannot_log_in(env):
    """NOLOGIN: no credential to expire (lifetime holds), but it cannot connect."""
    env.psql("ALTER ROLE codex_staging NOLOGIN")
    env.expect_no_go(["automation-connect"],
                     r"problem: the automation role codex_staging cannot log in \(NOLOGIN\)")


def load_bundle(env):
    """A bundle whose one statement divides by the rows of eng.src: SQLSTATE 22012
    while eng.src is empty, fine once it has a row. Returns its folder."""
    env.as_admin("CREATE TABLE eng.src (n integer); CREATE TABLE eng.dst (x integer)")
    env.write("src/01_load.sql", "SELECT 1;\nINSERT INTO eng.dst SELECT 100 / count(*) "
                                 "FROM eng.src;\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "load",
            "src/01_load.sql", check_rc=0)
    return "load"


def failed_apply(env, b):
    r = env.run("apply", "--journal", env.journal, b)
    check(r.returncode == 3 and "22012" in r.stderr, "apply: exit %d\n%s%s" % (
        r.returncode, r.stdout, r.stderr))
    return env.psql("SELECT id FROM audit.runs WHERE status = 'failed'")


@test
def failed_run_last_is_no_go(env):
    """A run that failed (SQLSTATE 22012, rolled back) and nothing after it: NO-GO
    naming the run, file, line and SQLSTATE, in every format and the exit status."""
    run = failed_apply(env, load_bundle(env))
    res = env.expect_no_go(["runs-completed", "runs-no-errors"],
                           r"problem: run %s of bundle [0-9a-f]{12} \(role ehg_admin, started "
                           r"\S+Z\) failed and no later run of the bundle \(or of its failed file\) "
                           r"committed: "
                           r"src/01_load\.sql:2: SQLSTATE 22012: division by zero" % run)
    check(re.search(r"problem: run %s failed at src/01_load\.sql:2: SQLSTATE 22012: division "
                    r"by zero" % run, res.section("runs-no-errors")), res.describe())
    md = env.verify("--format", "markdown")
    check("- [ ] all staging scripts completed successfully (`runs-completed`)\n" in md.out and
          "  - problem: run %s failed at src/01_load.sql:2: SQLSTATE 22012" % run in md.out,
          md.out)


@test
def failed_then_completed_is_history(env):
    """The same bundle failed, then (its input fixed) committed: GO, the failure shown
    as history, not NO-GO."""
    b = load_bundle(env)
    run = failed_apply(env, b)
    env.as_admin("INSERT INTO eng.src VALUES (1)")
    env.run("apply", "--journal", env.journal, b, check_rc=0)
    res = env.expect_go()
    later = env.psql("SELECT id FROM audit.runs WHERE status = 'committed'")
    check(re.search(r"history: run %s of bundle [0-9a-f]{12} failed \(src/01_load\.sql:2: "
                    r"SQLSTATE 22012: division by zero\), then run %s of the same bundle "
                    r"committed" % (run, later), res.section("runs-completed")), res.describe())
    check("history: run %s failed at src/01_load.sql:2: SQLSTATE 22012" % run
          in res.section("runs-no-errors"), res.describe())
    md = env.verify("--format", "markdown")
    check(re.search(r"- \[x\] zero errors in staging execution \(`runs-no-errors`\)\n"
                    r"  - evidence: history: run %s failed at src/01_load\.sql:2" % run, md.out),
          md.out)


@test
def rebuilt_bundle_completes_the_failed_file(env):
    """The fix rebuilt into a new bundle (a new digest): its committed run applied the
    failed file, as the same role: the failure is history. A later run that did not
    apply that file does not make it so."""
    b = load_bundle(env)
    run = failed_apply(env, b)
    # another bundle that does not apply the failed file: still NO-GO
    env.write("src/02_other.sql", "SELECT 2;\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "other",
            "src/02_other.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "other", check_rc=0)
    env.expect_no_go(["runs-completed", "runs-no-errors"], r"problem: run %s " % run)
    # the file fixed and bundled again: a new digest, the same path and role
    env.write("src/01_load.sql", "SELECT 1;\nINSERT INTO eng.dst SELECT 100 / greatest(count(*), "
                                 "1) FROM eng.src;\n")
    env.run("bundle", "--policy", POLICY, "--role", "ehg_admin", "-o", "load2",
            "src/01_load.sql", check_rc=0)
    env.run("apply", "--journal", env.journal, "load2", check_rc=0)
    later = env.psql("SELECT id FROM audit.runs WHERE status = 'committed' ORDER BY started_at "
                     "DESC LIMIT 1")
    res = env.expect_go()
    check(re.search(r"history: run %s of bundle [0-9a-f]{12} failed \(src/01_load\.sql:2: "
                    r"SQLSTATE 22012: division by zero\), then run %s of bundle [0-9a-f]{12} "
                    r"\(rebuilt: same role, it applied src/01_load\.sql\) committed"
                    % (run, later), res.section("runs-completed")), res.describe())


@test
def database_error_is_3(env):
    """A query the database refuses (no audit schema in that database) is exit 3, as
    cannot connect is: the database failed, not the input."""
    res = env.run("audit", "show", "--db", "dbname=postgres")
    check(res.returncode == 3, "exit %d\n%s" % (res.returncode, res.stderr))
    check("audit.runs" in res.stderr and res.stdout == "", res.stderr)


@test
def cannot_connect(env):
    res = env.run("verify", "--policy", POLICY, "--db", "dbname=v_no_such_database")
    check(res.returncode == 3, "exit %d\n%s" % (res.returncode, res.stderr))
    check("v_no_such_database" in res.stderr and res.stdout == "", res.stderr)


if __name__ == "__main__":
    sys.exit(run_tests(Env))
