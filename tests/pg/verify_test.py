#!/usr/bin/env python3
"""Integration tests of `pgward verify` against a real PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/verify_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, bootstrapped as `pgward stage up` does it
(the script `pgward stage sql` prints, in one transaction, then codex_staging given
LOGIN and an 8-hour VALID UNTIL, ehg_admin LOGIN), its own folder and journal, and
verifies as ehg_admin with rules/staging.policy. The clean bootstrap must be GO;
each deliberate breakage must be NO-GO, naming its gate, with every other gate
still GO, so that the breakage is attributed to the right gate. Roles belong to
the cluster, not to a database: every test's bootstrap resets their attributes and
every test puts back what it changed.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import os
import re
import sys

import pgtest
from pgtest import Failure, check, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(ROOT, "rules", "staging.policy")

GATES = ["schemas", "extensions", "row-security", "sensitive-rls", "roles", "privileges",
         "lifetime", "views", "catalog-assumptions", "audit-trail"]


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
        check(sorted(res.gates) == sorted(GATES), "gates listed: %s\n%s" % (
            sorted(res.gates), res.describe()))
        check(all(v == "GO" for v in res.gates.values()), "a gate failed\n" + res.describe())
        check(res.out.splitlines()[-1] == "GO", "last line is not GO\n" + res.describe())
        check(res.err == "", "stderr is not empty\n" + res.describe())
        return res

    def expect_no_go(self, failing, *patterns):
        """NO-GO (exit 1) with exactly the gates in failing failed, each named on the
        last line, and every pattern found in the first failing gate's section."""
        res = self.verify()
        check(res.rc == 1, "expected NO-GO (exit 1)\n" + res.describe())
        check(sorted(res.gates) == sorted(GATES), "gates listed: %s\n%s" % (
            sorted(res.gates), res.describe()))
        failed = sorted(g for g, v in res.gates.items() if v == "NO-GO")
        check(failed == sorted(failing), "failed gates %s, expected %s\n%s" % (
            failed, sorted(failing), res.describe()))
        last = res.out.splitlines()[-1]
        want = "NO-GO: %d gate%s failed (" % (len(failing), "" if len(failing) == 1 else "s")
        check(last.startswith(want), "last line %r\n%s" % (last, res.describe()))
        for g in failing:
            check(g in last, "last line does not name %s: %r" % (g, last))
        section = res.section(failing[0])
        for pat in patterns:
            check(re.search(pat, section), "%r not in the %s gate:\n%s" % (
                pat, failing[0], res.describe()))
        return res


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
    check("- [x] all staging scripts completed successfully\n" in md.out, md.out)
    check("- [x] zero errors in staging execution\n" in md.out, md.out)


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
                   r"statements, \d+ ms for the run; slowest: src/02_fail\.sql:1 \([0-9.]+ ms\)$"
                   % runs[0], lines[0]), lines[0])
    m = re.match(r"durations: run %s \(committed, started 20\S+Z\): 3 statements, ([0-9.]+) ms "
                 r"in statements, (\d+) ms for the run; slowest: src/01_slow\.sql:1 "
                 r"\(([0-9.]+) ms\), src/01_slow\.sql:3 \(([0-9.]+) ms\), src/01_slow\.sql:2 "
                 r"\([0-9.]+ ms\)$" % runs[1], lines[1])
    check(m and float(m.group(3)) >= 200 and 100 <= float(m.group(4)) < 200, lines[1])
    check(300 <= float(m.group(1)) <= float(m.group(2)) + 1, lines[1])
    md = env.verify("--format", "markdown").out
    i = md.index("- [ ] performance impact under 10%\n")
    ev = md[i:].splitlines()[1]
    check(ev.startswith("  - evidence: run %s (failed, " % runs[0]), ev)
    check(("; run %s (committed, " % runs[1]) in ev, ev)
    check(ev.endswith("; the impact against a baseline and the locks each statement took "
                      "are not measured by pgward"), ev)


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
          "(gate `budget`)" in md.out, md.out)
    # locks are not measured: a lock budget is refused, not silently met
    env.write("lock.policy", staging + "\nbudget lock 2s;\n")
    r = env.run("verify", "--policy", "lock.policy", check_rc=2)
    check("unknown budget 'lock': expected run or statement (locks are not measured)"
          in r.stderr, r.stderr)
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
    env.expect_no_go(["privileges"],
                     r"problem: codex_staging holds DELETE on table eng\.service_credentials "
                     r"\(granted directly by ehg_admin\): beyond its grants there "
                     r"\(select, insert, update\)")


@test
def hostile_name_shown_escaped(env):
    """A table named with a terminal escape sequence: verify names it escaped
    (\\x1b), never raw, in text, markdown and JSON."""
    env.psql('CREATE TABLE eng."t\x1b]0;pwned\x07\x1b[2J" (id int); '
             'GRANT DELETE ON eng."t\x1b]0;pwned\x07\x1b[2J" TO codex_staging')
    env.expect_no_go(["privileges"], r"codex_staging holds DELETE on table "
                                     r"eng\.t\\x1b\]0;pwned\\x07\\x1b\[2J ")
    for fmt in ("text", "markdown", "json"):
        res = env.verify("--format", fmt)
        check(res.rc == 1 and "\x1b" not in res.out and "\x07" not in res.out,
              "%s: %r" % (fmt, res.out[-400:]))


@test
def extra_schema_create_to_codex(env):
    env.as_admin("GRANT CREATE ON SCHEMA eng TO codex_staging")
    env.expect_no_go(["privileges"], r"codex_staging holds CREATE on schema eng")


@test
def extra_privileges_through_membership(env):
    env.psql("GRANT eng_service TO codex_staging")
    env.expect_no_go(["privileges"],
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
    env.expect_no_go(["lifetime"], r"problem: codex_staging: expired at \S+Z, 1d00h ago")


@test
def codex_credential_never_expires(env):
    env.psql("ALTER ROLE codex_staging VALID UNTIL 'infinity'")
    env.expect_no_go(["lifetime"], r"problem: codex_staging: never expires \(VALID UNTIL "
                                   r"infinity\); its lifetime is 8h")


@test
def codex_credential_longer_than_lifetime(env):
    env.valid_for("3 days")
    env.expect_no_go(["lifetime"], r"codex_staging: valid for 2d23h more, longer than its "
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
    res = env.expect_go()
    check("1 run, 1 synced" in res.section("audit-trail"), res.describe())
    check("1 run: 0 committed, 1 failed" in res.section("audit-trail"), res.describe())
    md = env.verify("--format", "markdown")
    check("- [ ] zero errors in staging execution\n  - evidence: 1 of 1 runs failed" in md.out,
          md.out)


@test
def running_run_without_session(env):
    env.psql("INSERT INTO audit.runs (id, bundle_sha256, policy_sha256, role, started_at, "
             "status, mode) VALUES ('%s', 'b', 'p', 'codex_staging', now(), 'running', "
             "'bundle')" % RUN_ID)
    env.expect_no_go(["audit-trail"], r"run %s \(role codex_staging, started \S+\) has no "
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


# ------------------------------------------------------------------ formats and failures

@test
def markdown_checklists(env):
    env.psql("ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY")
    res = env.verify("--format", "markdown")
    check(res.rc == 1, res.describe())
    out = res.out
    check(out.startswith("## pgward verify: NO-GO\n"), out)
    check("- verdict: **NO-GO**: 1 of 10 gates failed (sensitive-rls)\n" in out, out)
    check(re.search(r"- policy: \S+staging\.policy \(sha256 [0-9a-f]{64}\)\n", out), out)
    for h in ("### Staging validation", "### Quality gates", "### Go/no-go criteria"):
        check("\n%s\n" % h in out, "missing %s\n%s" % (h, out))
    for item in ("- [x] server healthy", "- [x] database accessible",
                 "- [x] schemas created (gate `schemas`)",
                 "- [x] extensions installed (gate `extensions`)",
                 "- [x] RLS enabled by default (gate `row-security`)",
                 "- [x] the automation role (codex_staging) can connect",
                 "- [x] its permissions verified",
                 "- [ ] sensitive tables have row-level security enabled, forced and a policy",
                 "- [x] each role's privileges are within its grants in the policy",
                 "- [ ] all staging scripts completed successfully",
                 "- [x] audit trail complete (gate `audit-trail`)",
                 "- [x] views compile without errors (gate `views`)",
                 "- [ ] RLS policies active and tested",
                 "- [x] cross-boundary isolation verified (gate `catalog-assumptions`)",
                 "- [ ] performance impact under 10%"):
        check("\n" + item in out, "missing %r\n%s" % (item, out))
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("- ["):
            check(i + 1 < len(lines) and lines[i + 1].startswith("  - evidence: "),
                  "no evidence under %r" % line)
    check("  - evidence: the impact against a baseline and the locks each statement took are "
          "not measured by pgward\n" in out, out)
    check(re.search(r"  - problem: eng\.service_credentials .*RLS NOT enabled", out), out)


@test
def json_report(env):
    env.psql("GRANT DELETE ON eng.service_credentials TO codex_staging")
    res = env.verify("--format", "json")
    check(res.rc == 1, res.describe())
    doc = json.loads(res.out)
    check(doc["version"] == 1 and doc["verdict"] == "NO-GO", res.out)
    check(doc["failed"] == ["privileges"], res.out)
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
