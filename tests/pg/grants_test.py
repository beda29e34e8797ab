#!/usr/bin/env python3
"""Integration tests of `pgward policy grants` against a real PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/grants_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, bootstrapped as `pgward stage up` does it (the
script `pgward stage sql` prints, in one transaction), then gives codex_staging
more than rules/staging.policy grants it. `pgward verify` must report each extra
in its privileges gate; the output of `pgward policy grants`, applied with psql -1
(twice: it is idempotent), must leave codex_staging able to do exactly what the
policy allows, which PostgreSQL itself then enforces (SQLSTATE 42501 for the
rest), and verify GO on privileges. Roles belong to the cluster: every test puts
back the memberships it gave.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import pgtest
from pgtest import WAIT, Failure, check, no_sanitizer_report, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(ROOT, "rules", "staging.policy")
GATE_LINE = re.compile(r"^(GO|NO-GO) +([a-z-]+): ")


class Env:
    """One test's database, folder and helpers."""

    def __init__(self, pgward, name):
        self.pgward = pgward
        self.dir = tempfile.mkdtemp(prefix="pgward-grants-%s-" % name)
        self.db = "g_" + name
        self.psql("DROP DATABASE IF EXISTS %s" % self.db, db="postgres")
        self.psql("CREATE DATABASE %s" % self.db, db="postgres")
        self.script(self.pgward_out("stage", "sql", "--policy", POLICY))
        self.psql("DO $$BEGIN EXECUTE format('ALTER ROLE codex_staging LOGIN VALID UNTIL %L', "
                  "now() + interval '8 hours'); END$$")
        self.psql("ALTER ROLE ehg_admin LOGIN")

    def close(self):
        try:
            self.psql("REVOKE pg_read_server_files FROM codex_staging", db="postgres")
            self.psql("DROP DATABASE IF EXISTS %s" % self.db, db="postgres")
        except Failure:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def pgward_out(self, *args):
        r = subprocess.run([self.pgward] + list(args), capture_output=True, text=True,
                           cwd=self.dir, timeout=WAIT)
        no_sanitizer_report(r.stderr, "pgward " + " ".join(args))
        if r.returncode != 0:
            raise Failure("pgward %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
        return r.stdout

    def script(self, sql):
        """Runs a script as the superuser in one transaction (psql -1)."""
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", self.db],
                           input=sql, capture_output=True, text=True, timeout=WAIT)
        if r.returncode != 0:
            raise Failure("psql -1 failed: %s" % r.stderr.strip())
        return r.stderr

    def psql(self, sql, db=None, user=None):
        return pgtest.psql(sql, db or self.db, user)

    def sqlstate(self, sql, user):
        """The SQLSTATE sql fails with as user, or None when it succeeds."""
        cmd = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=sqlstate",
               "-d", self.db, "-U", user, "-c", sql]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=WAIT)
        if r.returncode == 0:
            return None
        m = re.search(r"ERROR:\s+([0-9A-Z]{5})", r.stderr)
        return m.group(1) if m else r.stderr.strip()

    def verify(self):
        e = dict(os.environ, PGDATABASE=self.db, PGUSER="ehg_admin")
        e.pop("PGWARD_JOURNAL", None)
        r = subprocess.run([self.pgward, "verify", "--policy", POLICY, "--journal",
                            os.path.join(self.dir, "journal.jsonl")],
                           capture_output=True, text=True, cwd=self.dir, env=e, timeout=WAIT * 2)
        no_sanitizer_report(r.stderr, "pgward verify")
        return r

    def privileges(self, r):
        """The privileges gate of a verify run: its verdict and its lines."""
        verdict, lines, on = None, [], False
        for line in r.stdout.splitlines():
            m = GATE_LINE.match(line)
            if m:
                on = m.group(2) == "privileges"
                if on:
                    verdict = m.group(1)
            elif not line.startswith(" "):
                on = False
            if on:
                lines.append(line)
        return verdict, "\n".join(lines)


def too_much(env):
    """A table of each family, a function in eng, then more for codex_staging than the
    policy grants."""
    env.psql("CREATE TABLE eng.items (id serial PRIMARY KEY, name text); "
             "CREATE TABLE vh.tasks (id serial PRIMARY KEY, name text); "
             "CREATE FUNCTION eng.answer() RETURNS integer LANGUAGE sql RETURN 42; "
             "INSERT INTO eng.items (name) VALUES ('one'), ('two')", user="ehg_admin")
    env.psql("GRANT DELETE ON ALL TABLES IN SCHEMA eng TO codex_staging; "
             "GRANT SELECT ON audit.runs TO codex_staging; "
             "GRANT EXECUTE ON FUNCTION eng.answer() TO codex_staging, PUBLIC; "
             "GRANT CREATE ON SCHEMA eng TO codex_staging; "
             "GRANT INSERT ON vh.tasks TO codex_staging; "
             "GRANT pg_read_server_files TO codex_staging")


def apply_grants(env):
    sql = env.pgward_out("policy", "grants", POLICY)
    env.script(sql)
    return sql


def expect_enforced(env):
    """What PostgreSQL lets codex_staging do is what the policy grants it."""
    u = "codex_staging"
    check(env.sqlstate("SELECT count(*) FROM eng.items", u) is None, "SELECT on eng")
    check(env.sqlstate("INSERT INTO eng.items (name) VALUES ('three')", u) is None,
          "INSERT on eng (with the serial's sequence)")
    check(env.sqlstate("UPDATE eng.items SET name = 'uno' WHERE id = 1", u) is None,
          "UPDATE on eng")
    check(env.sqlstate("SELECT count(*) FROM vh.tasks", u) is None, "SELECT on vh")
    check(env.sqlstate("SELECT public.gen_random_uuid()", u) is None, "an allowed function")
    for sql in ("DELETE FROM eng.items", "TRUNCATE eng.items",
                "INSERT INTO vh.tasks (name) VALUES ('x')", "CREATE TABLE eng.mine (id int)",
                "SELECT count(*) FROM audit.runs", "SELECT eng.answer()",
                "SELECT pg_read_file('PG_VERSION')", "CREATE SCHEMA eng_mine"):
        state = env.sqlstate(sql, u)
        check(state == "42501", "%s as codex_staging: expected 42501, got %r" % (sql, state))
    # the admin still owns and uses what it made
    check(env.psql("SELECT eng.answer()", user="ehg_admin") == "42", "the admin's own function")
    check(env.psql("SELECT count(*) FROM audit.runs", user="ehg_admin") == "0",
          "the admin reads the audit trail")


@test
def grants_fix_what_verify_reports(env):
    too_much(env)
    before = env.verify()
    verdict, section = env.privileges(before)
    check(before.returncode == 1 and verdict == "NO-GO", "expected NO-GO\n" + before.stdout)
    for pat in (r"codex_staging holds DELETE on table eng\.items",
                r"codex_staging holds SELECT on table audit\.runs",
                r"codex_staging holds EXECUTE on function eng\.answer\(\)",
                r"codex_staging holds CREATE on schema eng",
                r"codex_staging holds INSERT on table vh\.tasks",
                r"codex_staging is a member of the predefined role pg_read_server_files",
                r"PUBLIC holds EXECUTE on function eng\.answer\(\)"):
        check(re.search(pat, section), "%r not reported:\n%s" % (pat, section))
    first = apply_grants(env)
    second = apply_grants(env)  # idempotent: runs again, same result
    check(first == second, "the statements changed between two runs")
    after = env.verify()
    verdict, section = env.privileges(after)
    check(verdict == "GO", "privileges not GO after policy grants:\n" + after.stdout)
    check(after.returncode == 0, "verify not GO after policy grants:\n" + after.stdout)
    expect_enforced(env)
    again = env.verify()
    check(env.privileges(again)[0] == "GO", "a second verify:\n" + again.stdout)


@test
def pattern_schemas_after_a_rerun(env):
    """A schema only the pattern of family eng names gets its grants when the script
    runs again after it was created."""
    env.psql("CREATE SCHEMA eng_reports; CREATE TABLE eng_reports.daily (id int)",
             user="ehg_admin")
    env.psql("GRANT ALL ON eng_reports.daily TO codex_staging")
    verdict, section = env.privileges(env.verify())
    check(verdict == "NO-GO" and "codex_staging holds DELETE on table eng_reports.daily"
          in section, section)
    apply_grants(env)
    check(env.sqlstate("SELECT * FROM eng_reports.daily", "codex_staging") is None,
          "SELECT on a pattern schema")
    check(env.sqlstate("DELETE FROM eng_reports.daily", "codex_staging") == "42501",
          "DELETE on a pattern schema")
    res = env.verify()
    check(env.privileges(res)[0] == "GO", res.stdout)


@test
def one_role_only(env):
    """--role: that role's statements only; PUBLIC's are left alone."""
    sql = env.pgward_out("policy", "grants", POLICY, "--role", "analyst_ro")
    check("codex_staging" not in sql.split("what the policy grants")[1], "other roles granted")
    check("FROM PUBLIC" not in sql, "PUBLIC touched with --role")
    env.script(sql)
    env.script(sql)


if __name__ == "__main__":
    sys.exit(run_tests(Env))
