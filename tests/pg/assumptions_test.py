#!/usr/bin/env python3
"""Integration tests of the catalog's assumptions and of the pinned session, against
a real PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/assumptions_test.py --pgward build/pgward [-k NAME]

Every test gets its own database, bootstrapped as `pgward stage up` does it (the
script `pgward stage sql` prints, then codex_staging and ehg_admin given LOGIN), with
rules/staging.policy, a table eng.items that codex_staging may update, a signing key
and its own journal.

The catalog's assumptions (verify/assumptions.h): for each, one violating object is
created; `pgward verify` must then be NO-GO naming the assumption and the object
(every other gate still GO), and `pgward apply` of a valid signed bundle as
codex_staging must refuse it: exit 1, one line naming the assumption and the
object, nothing sent (eng.items unchanged), the run recorded as refused in
audit.runs and in the journal. With the object dropped, the assumption holds and
only the refused run stands (NO-GO on runs-completed and runs-no-errors); once the
same bundle applies, the refusal is history and verify is GO.

The pinned session (policy/pinned.h): a restricted role's client_encoding,
standard_conforming_strings and search_path are pinned whatever the role's defaults
say, and a statement that changes one is refused before COMMIT (rolled back, exit 1).

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import os
import re
import shutil
import sys

import pgtest
from pgtest import Failure, check, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
POLICY = os.path.join(ROOT, "rules", "staging.policy")

GATE_LINE = re.compile(r"^(GO|NO-GO) +([a-z-]+): ")
BUMP = "UPDATE eng.items SET n = n + 1 WHERE id = 1;\n"


class Env(pgtest.StagedEnv):
    """One test's staged database, folder, key, journal and helpers."""

    PREFIX = "a"

    def __init__(self, pgward, name):
        super().__init__(pgward, name, POLICY)
        # created by the admin, so the policy's default privileges give codex_staging
        # SELECT, INSERT, UPDATE on it
        self.as_admin("CREATE TABLE eng.items (id integer PRIMARY KEY, n integer NOT NULL); "
                      "INSERT INTO eng.items VALUES (1, 0)")
        self.key = os.path.join(self.dir, "key")
        self.run("keygen", self.key, check_rc=0)

    def close(self):
        # roles are the cluster's: put back what a test may have changed
        super().close(reset_roles=["ALTER ROLE codex_staging RESET ALL"])

    def bundle(self, name, text, role="codex_staging"):
        """A signed bundle of one file src/<name>.sql for role."""
        src = os.path.relpath(self.write(os.path.join("src", name + ".sql"), text), self.dir)
        out = name + ".bundle"
        shutil.rmtree(os.path.join(self.dir, out), ignore_errors=True)
        self.run("bundle", "--policy", self.policy, "--role", role, "--sign", self.key,
                 "-o", out, src, check_rc=0)
        return out

    def bundle_files(self, name, files, role="codex_staging"):
        """A signed bundle of several files src/<name>/<file>, in the order given."""
        srcs = [os.path.relpath(self.write(os.path.join("src", name, f), text), self.dir)
                for f, text in files]
        out = name + ".bundle"
        shutil.rmtree(os.path.join(self.dir, out), ignore_errors=True)
        self.run("bundle", "--policy", self.policy, "--role", role, "--sign", self.key,
                 "-o", out, *srcs, check_rc=0)
        return out

    def apply(self, bundle, user="codex_staging"):
        """Applies bundle; codex_staging's login may not write the audit trail, so its
        bundles run through the operator ehg_admin with --set-role."""
        if user == "codex_staging":
            return self.run("apply", "--pubkey", self.key + ".pub", "--set-role", bundle,
                            user="ehg_admin")
        return self.run("apply", "--pubkey", self.key + ".pub", bundle, user=user)

    def n(self):
        return int(self.psql("SELECT n FROM eng.items WHERE id = 1"))

    def last_run(self):
        """(status, message) of the latest run in audit.runs, and its statement rows."""
        row = self.psql("SELECT id || '|' || status || '|' || coalesce(message, '') "
                        "FROM audit.runs ORDER BY started_at DESC LIMIT 1")
        check(row, "no run in audit.runs")
        run, status, message = row.split("|", 2)
        stmts = self.psql("SELECT string_agg(status, ',' ORDER BY seq) FROM audit.statements "
                          "WHERE run_id = '%s'" % run)
        return run, status, message, stmts

    def journal_end(self, run):
        with open(self.journal) as f:
            ends = [json.loads(line) for line in f]
        ends = [e for e in ends if e.get("run") == run and e.get("event") == "end"]
        check(len(ends) == 1, "journal: %d end records for run %s" % (len(ends), run))
        return ends[0]

    def verify(self, *extra):
        r = self.run("verify", "--policy", self.policy, "--journal",
                     os.path.join(self.dir, "none.jsonl"), *extra)
        gates = {}
        for line in r.stdout.splitlines():
            m = GATE_LINE.match(line)
            if m:
                gates[m.group(2)] = m.group(1)
        return r, gates


def section(out, gate):
    lines, on = [], False
    for line in out.splitlines():
        m = GATE_LINE.match(line)
        if m:
            on = m.group(2) == gate
        elif not line.startswith(" "):
            on = False
        if on:
            lines.append(line)
    return "\n".join(lines)


def expect_go(env):
    r, gates = env.verify()
    check(r.returncode == 0 and gates and all(v == "GO" for v in gates.values()),
          "expected GO\nstdout: %s\nstderr: %s" % (r.stdout, r.stderr))


def expect_no_go(env, gate, pattern, also=()):
    r, gates = env.verify()
    failed = sorted(g for g, v in gates.items() if v == "NO-GO")
    check(r.returncode == 1 and failed == sorted([gate, *also]),
          "expected NO-GO from %s only, got %s\nstdout: %s\nstderr: %s" % (
              gate, failed, r.stdout, r.stderr))
    check(re.search(pattern, section(r.stdout, gate)),
          "%r not in the %s gate:\n%s" % (pattern, gate, r.stdout))


def violation_case(env, create, drop, assumption, problem, gate="catalog-assumptions",
                   admin=True, also=()):
    """The whole cycle for one violating object (see the module's docstring); also:
    other gates the object fails in verify."""
    b = env.bundle("bump", BUMP)
    (env.as_admin if admin else env.psql)(create)
    expect_no_go(env, gate, r"problem: %s%s" % (
        "" if gate != "catalog-assumptions" else re.escape(assumption) + ": ", problem),
        also=also)
    r = env.apply(b)
    check(r.returncode == 1, "apply: exit %d, expected 1 (refused)\nstdout: %s\nstderr: %s" % (
        r.returncode, r.stdout, r.stderr))
    lines = r.stderr.strip().splitlines()
    check(len(lines) == 1, "more than one line on stderr: %r" % r.stderr)
    check(re.match(r"pgward: refusing to apply: catalog assumption %s does not hold: %s.*; "
                   r"nothing was sent$" % (re.escape(assumption), problem), lines[0]),
          "refusal line: %r" % lines[0])
    check(env.n() == 0, "the bundle's UPDATE reached the table")
    run, status, message, stmts = env.last_run()
    check(status == "failed" and message.startswith("refused: catalog assumption %s does not "
                                                    "hold: " % assumption),
          "audit.runs: %s %r" % (status, message))
    check(not stmts, "audit.statements has rows for a refused run: %s" % stmts)
    end = env.journal_end(run)
    check(end["status"] == "failed" and end["message"] == message, "journal end: %s" % end)
    # fixed: the assumption holds; the refused run stands until the bundle completes
    (env.as_admin if admin else env.psql)(drop)
    r, gates = env.verify()
    failed = sorted(g for g, v in gates.items() if v == "NO-GO")
    check(r.returncode == 1 and failed == ["runs-completed", "runs-no-errors"],
          "after the fix: NO-GO %s, expected the refused run only\n%s" % (failed, r.stdout))
    check("run %s of bundle " % run in section(r.stdout, "runs-completed"), r.stdout)
    r = env.apply(b)
    check(r.returncode == 0, "apply after the fix: exit %d\n%s" % (r.returncode, r.stderr))
    check(env.n() == 1, "the bundle did not apply after the fix")
    # completed: the refusal is history, GO
    expect_go(env)


# ------------------------------------------------------------------ isolation

@test
def clean_bootstrap_applies(env):
    """The clean staging database holds every assumption: GO, and codex applies."""
    expect_go(env)
    r, _ = env.verify("--format", "json")
    doc = json.loads(r.stdout)
    gate = [g for g in doc["gates"] if g["id"] == "catalog-assumptions"][0]
    parts = {p["id"]: p for p in gate["assumptions"]}
    check(sorted(parts) == ["isolation", "no-shadowing", "sensitive-rls"], gate)
    for p in parts.values():
        check(p["pass"] and p["evidence"] and not p["problems"], p)
    check(parts["sensitive-rls"].get("reported_by") == "sensitive-rls", parts)
    check(any(e.startswith("codex_staging can use ") for e in parts["no-shadowing"]["evidence"]),
          parts["no-shadowing"])
    check(any(e.startswith("checked ") for e in parts["isolation"]["evidence"]),
          parts["isolation"])
    r = env.apply(env.bundle("bump", BUMP))
    check(r.returncode == 0, "apply: %d %s" % (r.returncode, r.stderr))
    check(env.n() == 1, "not applied")


@test
def view_in_eng_reads_vh(env):
    violation_case(env,
                   "CREATE TABLE vh.tasks (id integer PRIMARY KEY); "
                   "CREATE VIEW eng.tasks_seen AS SELECT id FROM vh.tasks",
                   "DROP VIEW eng.tasks_seen", "isolation",
                   r"view eng\.tasks_seen \(family eng\) reads vh\.tasks \(family vh\)")


@test
def eng_partition_of_vh_table(env):
    violation_case(env,
                   "CREATE TABLE vh.events (id integer, k integer) PARTITION BY RANGE (k); "
                   "CREATE TABLE eng.events_low PARTITION OF vh.events FOR VALUES FROM (0) "
                   "TO (10)",
                   "DROP TABLE eng.events_low", "isolation",
                   r"partition eng\.events_low \(family eng\) is attached to vh\.events "
                   r"\(family vh\)")


@test
def inheritance_child_across_families(env):
    violation_case(env,
                   "CREATE TABLE vh.base (id integer); "
                   "CREATE TABLE eng.child (extra text) INHERITS (vh.base)",
                   "DROP TABLE eng.child", "isolation",
                   r"table eng\.child \(family eng\) inherits from vh\.base \(family vh\)")


@test
def trigger_with_function_in_vh(env):
    violation_case(env,
                   "CREATE FUNCTION vh.stamp() RETURNS trigger LANGUAGE plpgsql "
                   "SET search_path = pg_catalog, pg_temp AS $$BEGIN RETURN NEW; END$$; "
                   "CREATE TRIGGER stamp BEFORE UPDATE ON eng.items FOR EACH ROW "
                   "EXECUTE FUNCTION vh.stamp()",
                   "DROP TRIGGER stamp ON eng.items", "isolation",
                   r"trigger stamp on eng\.items \(family eng\) runs vh\.stamp\(\) of family vh")


@test
def trigger_with_function_outside_the_family(env):
    """A body pgward cannot follow: a function of public, not of eng or the system."""
    violation_case(env,
                   "CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql "
                   "SET search_path = pg_catalog, pg_temp AS $$BEGIN RETURN NEW; END$$; "
                   "CREATE TRIGGER stamp BEFORE UPDATE ON eng.items FOR EACH ROW "
                   "EXECUTE FUNCTION public.stamp()",
                   "DROP TRIGGER stamp ON eng.items; DROP FUNCTION public.stamp()",
                   "isolation",
                   r"trigger stamp on eng\.items \(family eng\) runs public\.stamp\(\), a "
                   r"function outside its family", admin=False)


@test
def rule_on_eng_table_writes_vh(env):
    violation_case(env,
                   "CREATE TABLE vh.tasks (id integer); "
                   "CREATE RULE copy_to_vh AS ON UPDATE TO eng.items DO ALSO "
                   "INSERT INTO vh.tasks VALUES (NEW.id)",
                   "DROP RULE copy_to_vh ON eng.items", "isolation",
                   r"rule copy_to_vh on eng\.items \(family eng\) touches vh\.tasks "
                   r"\(family vh\)")


@test
def cross_family_foreign_key(env):
    violation_case(env,
                   "CREATE TABLE vh.assignments (id integer PRIMARY KEY, "
                   "item_id integer REFERENCES eng.items (id))",
                   "DROP TABLE vh.assignments", "isolation",
                   r"foreign key assignments_item_id_fkey: vh\.assignments \(family vh\) "
                   r"references eng\.items \(family eng\)")


@test
def column_default_calls_vh_function(env):
    violation_case(env,
                   "CREATE FUNCTION vh.next_no() RETURNS integer LANGUAGE sql "
                   "SET search_path = pg_catalog, pg_temp AS 'SELECT 1'; "
                   "CREATE TABLE eng.numbered (id integer DEFAULT vh.next_no())",
                   "DROP TABLE eng.numbered", "isolation",
                   r"default of column eng\.numbered\.id \(family eng\) uses vh\.next_no "
                   r"\(family vh\)")


# ------------------------------------------------------------------ no-shadowing

@test
def function_shadowing_a_builtin(env):
    violation_case(env,
                   "CREATE FUNCTION public.lower(integer) RETURNS integer LANGUAGE sql "
                   "AS 'SELECT $1'",
                   "DROP FUNCTION public.lower(integer)", "no-shadowing",
                   r"function public\.lower\(integer\) shadows pg_catalog\.lower \(same name, "
                   r"other arguments\) in a schema [a-z_, ]*codex_staging", admin=False)


@test
def same_signature_duplicate_is_harmless(env):
    """pgcrypto's public.gen_random_uuid() already is one; another stays GO."""
    env.psql("CREATE FUNCTION public.md5(text) RETURNS text LANGUAGE sql "
             "AS 'SELECT pg_catalog.md5($1)'")
    expect_go(env)
    r = env.apply(env.bundle("bump", BUMP))
    check(r.returncode == 0 and env.n() == 1, "not applied: %s" % r.stderr)


@test
def same_signature_ahead_of_pg_catalog(env):
    """A policy whose search_path puts eng before pg_catalog: there even a function
    with pg_catalog's arguments wins, and is reported; the catalog queries themselves
    run with pg_catalog alone on the path, so such a function cannot fool them."""
    with open(POLICY) as f:
        text = f.read()
    # (the gate refuses unqualified names under such a path; turned off here so that
    # apply's own check is what is tested)
    env.policy = env.write("ahead.policy", text + '\nset search_path = "eng, pg_catalog";\n'
                           'rule unproven off;\n')
    # would hide every function from the check if its queries resolved it; PUBLIC may
    # execute it, which the privileges gate reports too
    violation_case(env,
                   "CREATE FUNCTION eng.has_schema_privilege(oid, oid, text) RETURNS boolean "
                   "LANGUAGE sql AS 'SELECT false'",
                   "DROP FUNCTION eng.has_schema_privilege(oid, oid, text)", "no-shadowing",
                   r"function eng\.has_schema_privilege\(oid, oid, text\) shadows "
                   r"pg_catalog\.has_schema_privilege \(same name and arguments, ahead of "
                   r"pg_catalog in the pinned search_path\) in a schema [a-z_, ]*codex_staging",
                   admin=False, also=("privileges",))


@test
def user_operator_in_public(env):
    violation_case(env,
                   "CREATE FUNCTION public.int_same(integer, integer) RETURNS boolean "
                   "LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2'; "
                   "CREATE OPERATOR public.=== (LEFTARG = integer, RIGHTARG = integer, "
                   "FUNCTION = public.int_same)",
                   "DROP OPERATOR public.=== (integer, integer); "
                   "DROP FUNCTION public.int_same(integer, integer)", "no-shadowing",
                   r"operator public\.===\(integer, integer\) is outside pg_catalog, in a "
                   r"schema [a-z_, ]*codex_staging", admin=False)


@test
def relation_named_like_the_catalog(env):
    violation_case(env, "CREATE TABLE public.pg_settings_copy (name text)",
                   "DROP TABLE public.pg_settings_copy", "no-shadowing",
                   r"relation public\.pg_settings_copy is named like a catalog relation, in a "
                   r"schema [a-z_, ]*codex_staging", admin=False)


# ------------------------------------------------------------------ sensitive-rls

@test
def sensitive_table_without_rls(env):
    """verify reports it in its own gate; apply refuses as for any assumption."""
    violation_case(env,
                   "ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY",
                   "ALTER TABLE eng.service_credentials ENABLE ROW LEVEL SECURITY",
                   "sensitive-rls",
                   r"eng\.service_credentials \(sensitive: [^)]*\): RLS NOT enabled",
                   gate="sensitive-rls", admin=False)


@test
def unrestricted_role_not_held_to_the_assumptions(env):
    """The admin applies the fix of a violation; only restricted roles are refused."""
    env.as_admin("CREATE TABLE vh.tasks (id integer PRIMARY KEY); "
                 "CREATE VIEW eng.tasks_seen AS SELECT id FROM vh.tasks")
    fix = env.bundle("fix", "DROP VIEW eng.tasks_seen;\n", role="ehg_admin")
    r = env.apply(fix, user="ehg_admin")
    check(r.returncode == 0, "admin apply: %d %s" % (r.returncode, r.stderr))
    expect_go(env)


# ------------------------------------------------------------------ the pinned session

ECHO_SETTINGS = ("SELECT current_setting('client_encoding') AS enc, "
                 "current_setting('standard_conforming_strings') AS scs, "
                 "current_setting('search_path') AS sp \\gset\n"
                 "\\echo pinned: :enc / :scs / :sp\n")


@test
def role_defaults_do_not_change_the_pinned_session(env):
    # the login's defaults are what a session starts with: the operator's (in this
    # database only) and the automation role's, should it ever log in itself
    for role in ("codex_staging", "ehg_admin IN DATABASE " + env.db):
        env.psql("ALTER ROLE %s SET search_path = vh, public" % role)
        env.psql("ALTER ROLE %s SET standard_conforming_strings = off" % role)
        env.psql("ALTER ROLE %s SET client_encoding = 'LATIN1'" % role)
    r = env.apply(env.bundle("show", BUMP + ECHO_SETTINGS))
    check(r.returncode == 0, "apply: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    check("pinned: UTF8 / on / pg_catalog, pg_temp\n" in r.stdout, r.stdout)
    check(env.n() == 1, "not applied")


@test
def policy_search_path_is_pinned(env):
    with open(POLICY) as f:
        text = f.read()
    env.policy = env.write("pinned.policy", text + '\nset search_path = "eng, pg_catalog";\n'
                           'rule unproven off;\n')
    env.psql("ALTER ROLE codex_staging SET search_path = vh, public")
    env.psql("ALTER ROLE ehg_admin IN DATABASE %s SET search_path = vh, public" % env.db)
    r = env.apply(env.bundle("show", ECHO_SETTINGS))
    check(r.returncode == 0, "apply: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    check("pinned: UTF8 / on / eng, pg_catalog\n" in r.stdout, r.stdout)


def expect_pin_refused(env, r, setting, now):
    check(r.returncode == 1, "apply: exit %d, expected 1\nstdout: %s\nstderr: %s" % (
        r.returncode, r.stdout, r.stderr))
    check(re.search(r"^pgward: refusing to apply: pinned setting %s changed during the run: "
                    r"now '%s', pinned '[^']*'" % (setting, re.escape(now)), r.stderr, re.M),
          r.stderr)
    run, status, message, stmts = env.last_run()
    check(status == "failed" and message.startswith("refused: pinned setting %s changed"
                                                    % setting), (status, message))
    check(env.journal_end(run)["message"] == message, "journal and audit disagree")
    return stmts


@test
def search_path_set_by_the_script_is_followed_not_refused(env):
    """The gate follows SET search_path (its model starts from the pinned path), so
    apply does not hold the script to the pinned value at COMMIT."""
    r = env.apply(env.bundle("path", "SET search_path = eng;\n"
                             "UPDATE items SET n = n + 1 WHERE id = 1;\n"))
    check(r.returncode == 0, "apply: exit %d\nstderr: %s" % (r.returncode, r.stderr))
    check(env.n() == 1, "n = %d, expected 1" % env.n())


@test
def each_file_starts_from_the_pinned_session(env):
    """The gate reads every file from the pinned search_path: what one file sets must
    not reach the next. Here the first file puts public before pg_catalog, where a
    same-signature abs() waits; the second file's abs() must still be pg_catalog's."""
    env.psql("CREATE FUNCTION public.abs(integer) RETURNS integer LANGUAGE sql "
             "AS 'SELECT 1000'; GRANT EXECUTE ON FUNCTION public.abs(integer) TO PUBLIC")
    try:
        r = env.apply(env.bundle_files("twofiles", [
            ("1_path.sql", "SET search_path = public, pg_catalog;\n"),
            ("2_bump.sql", "UPDATE eng.items SET n = abs(n) + 1 WHERE id = 1;\n")]))
        check(r.returncode == 0, "apply: exit %d\nstderr: %s" % (r.returncode, r.stderr))
        check(env.n() == 1, "n = %d: the second file ran public.abs()" % env.n())
    finally:
        env.psql("DROP FUNCTION public.abs(integer)")


def without_unproven(env):
    """The gate refuses every change of a lexing setting (rule unproven); to test the
    run-time check behind it, a policy that turns that rule off lets one through."""
    text = open(POLICY).read()
    env.policy = env.write("no-unproven.policy", text + "\nrule unproven off;\n")


@test
def set_local_client_encoding_is_refused_before_commit(env):
    without_unproven(env)
    r = env.apply(env.bundle("enc", BUMP + "SET LOCAL client_encoding = 'LATIN1';\n"))
    expect_pin_refused(env, r, "client_encoding", "LATIN1")
    check(env.n() == 0, "the UPDATE committed")


@test
def no_transaction_statement_is_checked_after_it_runs(env):
    without_unproven(env)
    r = env.apply(env.bundle("notxn", "-- pgward:no-transaction\n" + BUMP +
                             "SET standard_conforming_strings = off;\n" + BUMP))
    stmts = expect_pin_refused(env, r, "standard_conforming_strings", "off")
    # each statement of a no-transaction file runs in a transaction of its own: the
    # first UPDATE committed; the SET is caught before its COMMIT and rolled back;
    # the second UPDATE is never sent
    check(env.n() == 1, "n = %d, expected 1" % env.n())
    check(stmts == "ok,rolled-back", "audit.statements: %s" % stmts)


if __name__ == "__main__":
    sys.exit(run_tests(Env))
