#!/usr/bin/env python3
"""Integration tests of `pgward verify --probe` (src/verify/probes.c) against a real
PostgreSQL 15.

Run under with_pg.sh (it starts and always removes a throwaway cluster):

  tests/pg/with_pg.sh python3 tests/pg/probes_test.py --pgward build/pgward [-k NAME]

Every test gets its own database staged for rules/staging.policy (pgtest.StagedEnv)
with one row in the sensitive table eng.service_credentials, and verifies as
ehg_admin, the stage's operator (a NOINHERIT member of every restricted role). On
the clean stage every kind of probe passes and the gate `probes` is GO; each
deliberate breakage (a write granted, TRUNCATE granted, a write through a view of
a family the role may not write, a view of one it may write over a table of one
it may not, CREATE granted, RLS disabled, a membership granted, the operator not a
member) is NO-GO in `probes` with the probe's statement and outcome as evidence;
and a catalog snapshot (pg_namespace, pg_class, pg_attribute, pg_proc, pg_policy,
sequences and the row count of every user table) is the same before and after
probing, also when probes were accepted. A table locked by another session makes
a probe wait no longer than the policy's lock_timeout, and the probe that could
not run is NO-GO; the verifier's session ended while a probe waits is exit 3 with
no verdict.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import json
import os
import re
import subprocess
import sys
import time

import pgtest
from pgtest import check, run_tests, test

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY = os.path.join(os.path.dirname(os.path.dirname(HERE)), "rules", "staging.policy")
GATE_LINE = re.compile(r"^(GO|NO-GO) +([a-z-]+): ")


class Env(pgtest.StagedEnv):
    PREFIX = "p"
    JOURNAL = False

    def __init__(self, pgward, name):
        super().__init__(pgward, name, POLICY)
        self.as_admin("INSERT INTO eng.service_credentials (service, secret_hash) "
                      "VALUES ('billing', 'x')")

    def close(self):
        super().close(reset_roles=["REVOKE eng_service FROM codex_staging",
                                   "GRANT analyst_ro TO ehg_admin"])

    def verify(self, *extra):
        args = ["verify", "--policy", POLICY, "--journal", self.journal] + list(extra)
        r = self.run(*args)
        r.gates = {}
        r.sections = {}
        cur = None
        for line in r.stdout.splitlines():
            m = GATE_LINE.match(line)
            if m:
                cur = m.group(2)
                r.gates[cur] = m.group(1)
                r.sections[cur] = []
            elif line.startswith(" ") and cur:
                r.sections[cur].append(line.strip())
            else:
                cur = None
        r.describe = "pgward %s: exit %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(args), r.returncode, r.stdout, r.stderr)
        return r

    def snapshot(self):
        """What probing must not change: the catalog's user objects and every user
        table's row count and sequence position."""
        cat = self.psql(
            "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
            " SELECT 'ns ' || nspname || ' ' || coalesce(nspacl::text, '') x FROM pg_namespace"
            " UNION ALL SELECT 'rel ' || oid || ' ' || relnamespace::regnamespace || '.' || relname"
            "   || ' ' || relkind::text || ' ' || coalesce(relacl::text, '') || ' ' || relrowsecurity::text"
            "   || relforcerowsecurity::text FROM pg_class"
            " UNION ALL SELECT 'att ' || attrelid || ' ' || attnum || ' ' || attname || ' '"
            "   || atttypid || coalesce(attacl::text, '') FROM pg_attribute"
            " UNION ALL SELECT 'proc ' || oid || ' ' || proname || ' ' || pronamespace FROM pg_proc"
            " UNION ALL SELECT 'pol ' || polrelid || ' ' || polname || ' ' || polcmd::text || ' '"
            "   || polroles::text FROM pg_policy"
            " UNION ALL SELECT 'roles ' || rolname || ' ' || rolsuper::text || rolinherit::text || rolcanlogin::text"
            "   FROM pg_roles) s")
        tables = self.psql(
            "SELECT string_agg(format('%I.%I', n.nspname, c.relname) || ' ' || c.relkind::text, ' ' "
            "ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'S') AND n.nspname !~ '^pg_' "
            "AND n.nspname <> 'information_schema'")
        counts = []
        for item in zip(*[iter(tables.split())] * 2):
            name, kind = item
            if kind == "r":
                counts.append("%s %s" % (name, self.psql("SELECT count(*) FROM %s" % name)))
            else:
                counts.append("%s %s" % (name, self.psql(
                    "SELECT last_value || ' ' || is_called FROM %s" % name)))
        return cat, counts


def probes(r):
    return "\n".join(r.sections.get("probes", []))


def expect_probes_fail(env, *patterns):
    r = env.verify("--probe")
    check(r.returncode == 1, "expected NO-GO\n" + r.describe)
    check(r.gates.get("probes") == "NO-GO", "gate probes not NO-GO\n" + r.describe)
    last = r.stdout.splitlines()[-1]
    check(last.startswith("NO-GO") and "probes" in last, "last line %r" % last)
    for pat in patterns:
        check(re.search(pat, probes(r)), "%r not in the probes gate\n%s" % (pat, r.describe))
    j = env.verify("--probe", "--format", "json")
    doc = json.loads(j.stdout)
    check(doc["verdict"] == "NO-GO" and "probes" in doc["failed"], "json\n" + j.stdout)
    check(any(not q["pass"] for q in doc["probes"]) or doc["gates"][-1]["problems"],
          "no failed probe in the JSON\n" + j.stdout)
    md = env.verify("--probe", "--format", "markdown")
    check("**NO-GO**" in md.stdout and re.search(
        r"- \[ \] RLS policies tested and isolation proven live", md.stdout),
        "markdown\n" + md.stdout)
    return r


# ------------------------------------------------------------------ a correct stage

@test
def every_kind_passes_on_a_clean_stage(env):
    env.as_admin("CREATE TABLE vh.visits (id int)")  # a table of the family vh to write
    r = env.verify("--probe")
    check(r.returncode == 0 and r.gates.get("probes") == "GO", "expected GO\n" + r.describe)
    check(r.stdout.splitlines()[-1] == "GO", r.describe)
    text = probes(r)
    for pat in [
            # write: a family it may not write, refused before anything runs
            r"codex_staging: write insert into vh\.\S+: EXPLAIN INSERT INTO \"vh\"\.\S+ SELECT "
            r"WHERE false -> SQLSTATE 42501: permission denied for table",
            r"codex_staging: write delete from eng\.service_credentials: EXPLAIN DELETE FROM "
            r"\"eng\"\.\"service_credentials\" WHERE false -> SQLSTATE 42501",
            r"analyst_ro: write update audit\.\S+ \(column \S+\): EXPLAIN UPDATE \"audit\"\.\S+ SET \S+ = "
            r"DEFAULT WHERE false -> SQLSTATE 42501",
            # truncate: refused on the table, before the absent second name
            r"codex_staging: write truncate eng\.service_credentials: TRUNCATE ONLY "
            r"\"eng\"\.\"service_credentials\", pg_temp\.pgward_absent -> SQLSTATE 42501: "
            r"permission denied for table service_credentials",
            r"analyst_ro: write truncate vh\.visits: .* -> SQLSTATE 42501",
            # ddl where it has none
            r"codex_staging: ddl create table in schema eng: CREATE TABLE \"eng\"\.pgward_probe "
            r"\(\) -> SQLSTATE 42501: permission denied for schema eng",
            r"eng_service: ddl create table in schema vh: .* -> SQLSTATE 42501",
            # read of the sensitive table: codex may select, no policy of it applies
            r"codex_staging: read eng\.service_credentials \(sensitive\): SELECT count\(\*\) "
            r"FROM \"eng\"\.\"service_credentials\" -> 0 rows",
            r"vh_service: read eng\.service_credentials \(sensitive\): .* -> SQLSTATE 42501",
            r"codex_staging: set-role to another role: SELECT rolname FROM pg_roles .* "
            r"-> no role"]:
        check(re.search(pat, text, re.M), "%r not in the probes gate\n%s" % (pat, r.describe))
    m = re.search(r"^(\d+) of (\d+) probes as expected, as 4 restricted roles, from ehg_admin's",
                  text, re.M)
    check(m and m.group(1) == m.group(2) and int(m.group(1)) > 20, r.describe)
    check(r.stderr == "", r.describe)
    doc = json.loads(env.verify("--probe", "--format", "json").stdout)
    check(doc["verdict"] == "GO" and doc["gates"][-1]["id"] == "probes", "json gates")
    kinds = {(q["role"], q["kind"]) for q in doc["probes"]}
    for role in ("analyst_ro", "codex_staging", "eng_service", "vh_service"):
        for kind in ("write", "ddl", "read", "set-role"):
            check((role, kind) in kinds, "no %s probe as %s in the JSON" % (kind, role))
    check(all(q["pass"] for q in doc["probes"]), "a probe failed in the JSON")
    q = next(q for q in doc["probes"] if q["role"] == "codex_staging" and q["kind"] == "read")
    check(q == {"role": "codex_staging", "kind": "read",
                "what": "eng.service_credentials (sensitive)",
                "sql": 'SELECT count(*) FROM "eng"."service_credentials"',
                "expected": "0 rows (no RLS policy of the table applies to it)",
                "actual": "0 rows", "pass": True}, "the read probe in the JSON: %r" % q)
    check(json.loads(env.verify("--format", "json").stdout)["probes"] is None,
          "probes not null without --probe")
    md = env.verify("--probe", "--format", "markdown")
    check(re.search(r"- \[x\] RLS policies tested and isolation proven live.*\(`probes`\)",
                    md.stdout), "markdown\n" + md.stdout)
    check(re.search(r"- \[x\] cross-boundary isolation verified", md.stdout),
          "markdown\n" + md.stdout)


@test
def off_unless_asked_or_a_stage(env):
    r = env.verify()
    check(r.returncode == 0 and "probes" not in r.gates, "probed by default\n" + r.describe)
    md = env.verify("--format", "markdown")
    check("isolation proven live" not in md.stdout and "**GO**" in md.stdout, md.stdout)
    r = env.verify("--probe", "--no-probe")
    check("probes" not in r.gates, "--no-probe did not win\n" + r.describe)
    # an env file beside a stage marker: a stage's, probed by default
    env.write("stage/stage.json", "{}\n")
    conn = ["PGDATABASE=%s" % env.db, "PGUSER=ehg_admin"]
    for k in ("PGHOST", "PGPORT"):
        if os.environ.get(k):
            conn.append("%s=%s" % (k, os.environ[k]))
    ef = env.write("stage/.env.admin", "\n".join(conn) + "\n")
    r = env.verify("--env-file", ef)
    check(r.returncode == 0 and r.gates.get("probes") == "GO", "stage not probed\n" + r.describe)
    r = env.verify("--env-file", ef, "--no-probe")
    check("probes" not in r.gates, "--no-probe on a stage\n" + r.describe)


# ------------------------------------------------------------------ a wrong database

@test
def write_granted_is_no_go(env):
    env.as_admin("CREATE TABLE vh.visits (id int)")
    env.as_admin("GRANT INSERT ON vh.visits TO codex_staging")
    expect_probes_fail(
        env, r"problem: codex_staging: write insert into vh\.visits: EXPLAIN INSERT INTO "
             r"\"vh\"\.\"visits\" SELECT WHERE false -> accepted, expected SQLSTATE 42501")


@test
def column_update_granted_is_no_go(env):
    """UPDATE granted on one column, not the first: probed on that column too; INSERT
    granted on one column: the INSERT of no column is let in."""
    env.as_admin("CREATE TABLE vh.visits (id int, note text, at date, seen bool)")
    env.as_admin("GRANT UPDATE (note), INSERT (at) ON vh.visits TO codex_staging")
    r = expect_probes_fail(
        env, r"problem: codex_staging: write insert into vh\.visits: EXPLAIN INSERT INTO "
             r"\"vh\"\.\"visits\" SELECT WHERE false -> accepted, expected SQLSTATE 42501",
        r"problem: codex_staging: write update vh\.visits \(column note\): EXPLAIN UPDATE "
             r"\"vh\"\.\"visits\" SET \"note\" = DEFAULT WHERE false -> accepted, expected "
             r"SQLSTATE 42501",
        r"codex_staging: write update vh\.visits \(column id\): .* -> SQLSTATE 42501")
    check("(column seen)" not in probes(r), "a column without an ACL was probed\n" + r.describe)


@test
def truncate_granted_is_no_go(env):
    """TRUNCATE granted on a table of a family the role may not write: the privilege
    check passes, the probe stops on the absent second name, nothing is truncated."""
    env.as_admin("CREATE TABLE vh.visits (id int)")
    env.as_admin("INSERT INTO vh.visits VALUES (1)")
    env.as_admin("GRANT TRUNCATE ON vh.visits TO codex_staging")
    r = expect_probes_fail(
        env, r"problem: codex_staging: write truncate vh\.visits: TRUNCATE ONLY \"vh\"\."
             r"\"visits\", pg_temp\.pgward_absent -> accepted: the privilege check passed, "
             r"stopped by pg_temp\.pgward_absent \(SQLSTATE 3F000: .*\), expected SQLSTATE 42501")
    check(re.search(r"^analyst_ro: write truncate vh\.visits: .* -> SQLSTATE 42501",
                    probes(r), re.M), "the others are still refused\n" + r.describe)
    check(env.psql("SELECT count(*) FROM vh.visits") == "1", "the probe truncated vh.visits")
    # a partitioned table: truncated without ONLY, its privilege checked before its
    # partitions are locked
    env.as_admin("REVOKE TRUNCATE ON vh.visits FROM codex_staging")
    env.as_admin("CREATE TABLE vh.events (at int) PARTITION BY RANGE (at)")
    env.as_admin("CREATE TABLE vh.events_1 PARTITION OF vh.events FOR VALUES FROM (0) TO (10)")
    r = env.verify("--probe")
    check(r.returncode == 0, "expected GO\n" + r.describe)
    check(re.search(r"^codex_staging: write truncate vh\.events: TRUNCATE \"vh\"\.\"events\", "
                    r"pg_temp\.pgward_absent -> SQLSTATE 42501", probes(r), re.M), r.describe)
    env.as_admin("GRANT TRUNCATE ON vh.events TO codex_staging")
    expect_probes_fail(
        env, r"problem: codex_staging: write truncate vh\.events: TRUNCATE \"vh\"\.\"events\", "
             r"pg_temp\.pgward_absent -> accepted: the privilege check passed")


# ------------------------------------------------------------------ views

@test
def view_in_a_forbidden_family_is_probed(env):
    """A view of vh (codex may not write vh): an auto-updatable one with INSERT
    granted is a write path, NO-GO; one nobody can write (an aggregate) or that
    rewrites to nothing passes with the server's refusal as evidence."""
    env.as_admin("CREATE TABLE vh.visits (id int, note text)")
    env.as_admin("CREATE VIEW vh.visit_count AS SELECT count(*) AS n FROM vh.visits")
    env.as_admin("CREATE VIEW vh.visits_quiet AS SELECT * FROM vh.visits")
    env.as_admin("CREATE RULE quiet AS ON INSERT TO vh.visits_quiet DO INSTEAD NOTHING")
    env.as_admin("GRANT INSERT, UPDATE, DELETE ON vh.visit_count TO codex_staging")
    env.as_admin("GRANT INSERT ON vh.visits_quiet TO codex_staging")
    r = env.verify("--probe")
    # the grants are outside the policy (the gate privileges says so); not a path
    check(r.gates.get("probes") == "GO", "expected probes GO\n" + r.describe)
    text = probes(r)
    for pat in [
            r"^codex_staging: write insert into vh\.visit_count \(view\): EXPLAIN INSERT INTO "
            r"\"vh\"\.\"visit_count\" SELECT WHERE false -> SQLSTATE 55000: cannot insert into "
            r"view \"visit_count\"$",
            r"^codex_staging: write update vh\.visit_count \(view\) \(column n\): .* -> "
            r"SQLSTATE 55000: cannot update view \"visit_count\"$",
            r"^codex_staging: write insert into vh\.visits_quiet \(view\): .* -> accepted: "
            r"query rewrites to nothing$",
            r"^codex_staging: write delete from vh\.visits_quiet \(view\): .* -> SQLSTATE 42501: "
            r"permission denied for view visits_quiet$"]:
        check(re.search(pat, text, re.M), "%r not in the probes gate\n%s" % (pat, r.describe))
    # its first column cannot be updated: UPDATE is probed on the first that can
    env.as_admin("CREATE VIEW vh.visits_v AS SELECT id * 2 AS twice, note FROM vh.visits")
    env.as_admin("GRANT INSERT, UPDATE ON vh.visits_v TO codex_staging")
    r = expect_probes_fail(
        env, r"problem: codex_staging: write insert into vh\.visits_v \(view\): EXPLAIN INSERT "
             r"INTO \"vh\"\.\"visits_v\" SELECT WHERE false -> accepted, expected SQLSTATE "
             r"42501, or a view no one can write so",
        r"problem: codex_staging: write update vh\.visits_v \(view\) \(column note\): .* -> "
             r"accepted")
    check("vh.visits_v (view) (column twice)" not in probes(r), r.describe)


@test
def view_in_an_allowed_family_over_a_forbidden_table(env):
    """codex may insert and update in eng, not in vh: a view of eng over vh.visits is
    a write path into vh, found by the tables the plan modifies; a view of eng over
    an eng table is not."""
    env.as_admin("CREATE TABLE vh.visits (id int, note text)")
    env.as_admin("CREATE TABLE eng.jobs (id int)")
    env.as_admin("CREATE VIEW eng.jobs_v AS SELECT * FROM eng.jobs")
    r = env.verify("--probe")
    check(r.returncode == 0, "expected GO\n" + r.describe)
    text = probes(r)
    for pat in [
            r"^codex_staging: write insert into eng\.jobs_v \(view\): EXPLAIN \(VERBOSE, FORMAT "
            r"JSON\) INSERT INTO \"eng\"\.\"jobs_v\" SELECT WHERE false -> accepted, writes "
            r"eng\.jobs$",
            r"^codex_staging: write delete from eng\.jobs_v \(view\): EXPLAIN DELETE FROM .* -> "
            r"SQLSTATE 42501"]:
        check(re.search(pat, text, re.M), "%r not in the probes gate\n%s" % (pat, r.describe))
    # the roles writing eng get their privileges on what ehg_admin creates there (the
    # stage's default privileges): the view is their path into vh, nothing granted
    env.as_admin("CREATE VIEW eng.visits_v AS SELECT * FROM vh.visits")
    expect_probes_fail(
        env, r"problem: eng_service: write insert into eng\.visits_v \(view\): EXPLAIN "
             r"\(VERBOSE, FORMAT JSON\) INSERT INTO \"eng\"\.\"visits_v\" SELECT WHERE false -> "
             r"accepted, writes vh\.visits \(not allowed\), expected refused, or writes only "
             r"tables it may write",
        r"problem: eng_service: write delete from eng\.visits_v \(view\): .* -> "
             r"accepted, writes vh\.visits \(not allowed\)",
        r"problem: codex_staging: write insert into eng\.visits_v \(view\): .* -> "
             r"accepted, writes vh\.visits \(not allowed\)",
        r"problem: codex_staging: write update eng\.visits_v \(view\) \(column id\): .* -> "
             r"accepted, writes vh\.visits \(not allowed\)")


@test
def table_rules_are_a_path(env):
    """A rule of a table the role may write runs its actions with the table owner's
    privileges: an ALSO rule of eng.jobs inserting into vh.visits is codex's path into
    vh, found by the tables the plan modifies; an INSTEAD NOTHING rule of a table it
    may not write lets nothing through."""
    env.as_admin("CREATE TABLE vh.visits (id int)")
    env.as_admin("CREATE TABLE eng.jobs (id int)")
    env.as_admin("CREATE TABLE vh.quiet (id int)")
    env.as_admin("CREATE RULE quiet AS ON INSERT TO vh.quiet DO INSTEAD NOTHING")
    r = env.verify("--probe")
    check(r.returncode == 0, "expected GO\n" + r.describe)
    check(re.search(r"^codex_staging: write insert into vh\.quiet \(rules\): EXPLAIN INSERT INTO "
                    r"\"vh\"\.\"quiet\" SELECT WHERE false -> accepted: query rewrites to "
                    r"nothing$", probes(r), re.M), r.describe)
    check("codex_staging: write insert into eng.jobs" not in probes(r),
          "a table without rules it may write, probed\n" + r.describe)
    env.as_admin("CREATE RULE tally AS ON INSERT TO eng.jobs DO ALSO "
                 "INSERT INTO vh.visits VALUES (new.id)")
    expect_probes_fail(
        env, r"problem: codex_staging: write insert into eng\.jobs \(rules\): EXPLAIN \(VERBOSE, "
             r"FORMAT JSON\) INSERT INTO \"eng\"\.\"jobs\" SELECT WHERE false -> accepted, "
             r"writes (eng\.jobs, vh\.visits \(not allowed\)|vh\.visits \(not allowed\), "
             r"eng\.jobs), expected refused, or writes only tables it may write")


@test
def foreign_tables_are_probed(env):
    """A foreign table of vh (file_fdw): writes refused, TRUNCATE refused by its
    wrapper before any privilege (0A000, for everyone); INSERT granted is NO-GO, also
    where this wrapper could not write (another could)."""
    env.psql("CREATE EXTENSION file_fdw")
    env.psql("CREATE SERVER files FOREIGN DATA WRAPPER file_fdw")
    env.psql("CREATE FOREIGN TABLE vh.ext (id int) SERVER files OPTIONS (filename '/dev/null')")
    env.psql("GRANT SELECT ON vh.ext TO codex_staging")
    r = env.verify("--probe")
    check(r.gates.get("probes") == "GO", "expected probes GO\n" + r.describe)
    text = probes(r)
    for pat in [
            r"^codex_staging: write insert into vh\.ext \(foreign table\): EXPLAIN INSERT INTO "
            r"\"vh\"\.\"ext\" SELECT WHERE false -> SQLSTATE 42501: permission denied for "
            r"foreign table ext$",
            r"^codex_staging: write update vh\.ext \(foreign table\) \(column id\): .* -> "
            r"SQLSTATE 42501",
            r"^codex_staging: write truncate vh\.ext \(foreign table\): TRUNCATE ONLY "
            r"\"vh\"\.\"ext\", pg_temp\.pgward_absent -> SQLSTATE 0A000: cannot truncate foreign "
            r"table \"ext\"$"]:
        check(re.search(pat, text, re.M), "%r not in the probes gate\n%s" % (pat, r.describe))
    env.psql("GRANT INSERT ON vh.ext TO codex_staging")
    expect_probes_fail(
        env, r"problem: codex_staging: write insert into vh\.ext \(foreign table\): EXPLAIN "
             r"INSERT INTO \"vh\"\.\"ext\" SELECT WHERE false -> SQLSTATE 0A000: cannot insert "
             r"into foreign table \"ext\", expected SQLSTATE 42501")


@test
def ddl_granted_is_no_go(env):
    env.as_admin("GRANT CREATE ON SCHEMA vh TO codex_staging")
    expect_probes_fail(
        env, r"problem: codex_staging: ddl create table in schema vh: CREATE TABLE "
             r"\"vh\"\.pgward_probe \(\) -> accepted, expected SQLSTATE 42501")
    check(env.psql("SELECT count(*) FROM pg_class WHERE relname = 'pgward_probe'") == "0",
          "the probe's table was left behind")


@test
def rls_disabled_is_no_go(env):
    env.as_admin("ALTER TABLE eng.service_credentials DISABLE ROW LEVEL SECURITY")
    expect_probes_fail(
        env, r"problem: codex_staging: read eng\.service_credentials \(sensitive\): "
             r"SELECT count\(\*\) FROM \"eng\"\.\"service_credentials\" -> 1 row, expected "
             r"0 rows \(no RLS policy of the table applies to it\)")


@test
def rls_policy_for_the_role_is_evidence(env):
    """A policy that applies to the role: its rows are the policy's, not zero."""
    env.as_admin("CREATE POLICY codex_billing ON eng.service_credentials FOR SELECT "
                 "TO codex_staging USING (service = 'billing')")
    r = env.verify("--probe")
    check(r.gates.get("probes") == "GO", r.describe)
    check(re.search(r"codex_staging: read eng\.service_credentials \(sensitive\): .* -> "
                    r"1 row$", probes(r), re.M), r.describe)


@test
def membership_granted_is_no_go(env):
    env.psql("GRANT eng_service TO codex_staging")
    expect_probes_fail(
        env, r"problem: codex_staging: set-role to another role: SELECT rolname FROM "
             r"pg_roles .* -> eng_service, expected no role")


@test
def role_that_cannot_be_taken_is_no_go(env):
    env.psql("REVOKE analyst_ro FROM ehg_admin")
    expect_probes_fail(
        env, r"problem: analyst_ro: not probed: SET LOCAL ROLE \"analyst_ro\" -> SQLSTATE 42501: "
             r"permission denied to set role \"analyst_ro\"")


@test
def bounded_by_the_policy_lock_timeout(env):
    """A table locked by another session: the probe waits no longer than the policy's
    lock_timeout, and a probe that could not run is NO-GO (55P03), not a pass."""
    env.as_admin("CREATE TABLE vh.visits (id int)")
    with open(POLICY) as f:
        text = f.read()
    check('set lock_timeout = "5s";' in text, "the staging policy's lock_timeout changed")
    policy = env.write("short.policy", text.replace('set lock_timeout = "5s";',
                                                     'set lock_timeout = "200ms";'))
    holder = subprocess.Popen(["psql", "-X", "-q", "-d", env.db, "-U", "ehg_admin"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        holder.stdin.write("BEGIN; LOCK TABLE vh.visits IN ACCESS EXCLUSIVE MODE;\n")
        holder.stdin.flush()
        deadline = time.monotonic() + pgtest.WAIT
        while env.psql("SELECT count(*) FROM pg_locks WHERE granted AND "
                       "relation = 'vh.visits'::regclass AND mode = 'AccessExclusiveLock'") != "1":
            check(time.monotonic() < deadline, "the lock was never taken")
            time.sleep(0.05)  # polling the condition, not a wait for it
        start = time.monotonic()
        r = env.run("verify", "--policy", policy, "--journal", env.journal, "--probe")
        took = time.monotonic() - start
    finally:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(timeout=pgtest.WAIT)
    check(r.returncode == 1, "expected NO-GO\n" + r.stdout + r.stderr)
    check(re.search(r"problem: codex_staging: write insert into vh\.visits: EXPLAIN INSERT INTO "
                    r"\"vh\"\.\"visits\" SELECT WHERE false -> SQLSTATE 55P03: canceling "
                    r"statement due to lock timeout, expected SQLSTATE 42501", r.stdout),
          "no lock timeout in the probes\n" + r.stdout)
    check(took < 20, "verify took %.1fs with a 200ms lock_timeout" % took)


@test
def connection_lost_mid_probe(env):
    """The server ends the verifier's session while a probe runs (it waits on a lock
    this test holds, then pg_terminate_backend from the test's own session): exit 3
    (docs/exit-codes.md: the server or the network failed), one line on stderr that
    says the connection was lost, and no verdict, no gate and no probe on stdout."""
    env.as_admin("CREATE TABLE vh.visits (id int)")
    with open(POLICY) as f:
        text = f.read()
    # long enough that the probe is still waiting when the session is ended
    policy = env.write("long.policy", text.replace('set lock_timeout = "5s";',
                                                    'set lock_timeout = "120s";')
                                          .replace('set statement_timeout = "60s";',
                                                   'set statement_timeout = "180s";'))
    holder = subprocess.Popen(["psql", "-X", "-q", "-d", env.db, "-U", "ehg_admin"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    verifier = None
    try:
        holder.stdin.write("BEGIN; LOCK TABLE vh.visits IN ACCESS EXCLUSIVE MODE;\n")
        holder.stdin.flush()
        deadline = time.monotonic() + pgtest.WAIT
        while env.psql("SELECT count(*) FROM pg_locks WHERE granted AND "
                       "relation = 'vh.visits'::regclass AND mode = 'AccessExclusiveLock'") != "1":
            check(time.monotonic() < deadline, "the lock was never taken")
            time.sleep(0.05)  # polling the condition, not a wait for it
        e = dict(os.environ, PGDATABASE=env.db, PGUSER="ehg_admin")
        e.pop("PGWARD_JOURNAL", None)
        verifier = subprocess.Popen([env.pgward, "verify", "--policy", policy, "--journal",
                                     env.journal, "--probe"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, cwd=env.dir, env=e)
        # the verifier's backend, waiting for the lock in a probe
        pid = ""
        while not pid:
            check(verifier.poll() is None, "verify ended before it waited on the lock")
            check(time.monotonic() < deadline, "verify never waited on the lock")
            pid = env.psql("SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON "
                           "l.pid = a.pid AND NOT l.granted WHERE a.datname = current_database() "
                           "AND a.application_name = 'pgward verify' AND a.wait_event_type = "
                           "'Lock' AND l.relation = 'vh.visits'::regclass")
            if not pid:
                time.sleep(0.05)  # polling the condition, not a wait for it
        waiting = env.psql("SELECT query FROM pg_stat_activity WHERE pid = %s" % pid)
        check(env.psql("SELECT pg_terminate_backend(%s)" % pid) == "t", "not terminated")
        out, err = verifier.communicate(timeout=pgtest.WAIT)
    finally:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(timeout=pgtest.WAIT)
        if verifier and verifier.poll() is None:
            verifier.kill()
            verifier.wait()
    describe = "probe waiting: %s\nexit %d\nstdout:\n%s\nstderr:\n%s" % (
        waiting, verifier.returncode, out, err)
    check(verifier.returncode == 3, "expected exit 3\n" + describe)
    lines = err.splitlines()
    check(len(lines) == 1 and re.match(
        r"^pgward: lost the connection to the server while probing codex_staging \(write insert "
        r"into vh\.visits\), after \d+ probes: .*; no verdict$", lines[0]),
        "not one clear line on stderr\n" + describe)
    check(re.search(r"\bGO\b", out) is None and "probes" not in out and "->" not in out,
          "stdout claims a verdict or a probe\n" + describe)


# ------------------------------------------------------------------ no trace

@test
def probes_leave_no_trace(env):
    """The catalog and the data are the same after probing, on a correct stage and
    when probes were accepted (a write and CREATE granted: the statements ran)."""
    env.as_admin("CREATE TABLE vh.visits (id serial, at timestamptz DEFAULT now())")
    env.as_admin("INSERT INTO vh.visits DEFAULT VALUES")
    env.as_admin("CREATE FUNCTION vh.count_visit() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$BEGIN INSERT INTO vh.visits DEFAULT VALUES; RETURN NULL; END$$")
    env.as_admin("CREATE TRIGGER visit AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                 "ON vh.visits FOR EACH STATEMENT EXECUTE FUNCTION vh.count_visit()")
    before = env.snapshot()
    r = env.verify("--probe")
    check(r.returncode == 0, r.describe)
    check(env.snapshot() == before, "the clean probes changed the database")
    env.as_admin("GRANT INSERT, UPDATE, DELETE, TRUNCATE ON vh.visits TO codex_staging")
    env.as_admin("GRANT CREATE ON SCHEMA vh TO codex_staging")
    env.as_admin("CREATE VIEW vh.visits_v AS SELECT * FROM vh.visits")
    env.as_admin("GRANT INSERT, UPDATE, DELETE ON vh.visits_v TO codex_staging")
    before = env.snapshot()
    r = env.verify("--probe")
    check(r.returncode == 1 and r.gates.get("probes") == "NO-GO", r.describe)
    for what in ("insert into vh.visits", "truncate vh.visits", "insert into vh.visits_v (view)",
                 "delete from vh.visits_v (view)", "ddl create table in schema vh"):
        check(re.search(r"problem: codex_staging: (write )?%s: .* -> accepted" % re.escape(what),
                        probes(r)), "%s not accepted\n%s" % (what, r.describe))
    after = env.snapshot()
    check(after == before, "the accepted probes changed the database:\n%s" % "\n".join(
        sorted(set(before[1]) ^ set(after[1])) +
        sorted(set(before[0].splitlines()) ^ set(after[0].splitlines()))))


if __name__ == "__main__":
    sys.exit(run_tests(Env))
