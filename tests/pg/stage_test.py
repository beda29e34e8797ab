#!/usr/bin/env python3
"""Integration tests of `pgward stage up|status|down`: pgward starts its own
PostgreSQL 15, so no with_pg.sh:

  python3 tests/pg/stage_test.py --pgward build/pgward [-k NAME]

Every test gets its own folder and a free port, and always ends with `stage down`;
as a last resort it kills, with SIGKILL, every process whose command line names
the test's folder (the postmaster and its children), so nothing is left running
even when a test or pgward fails. Waiting is for a condition, bounded by a timeout,
never a sleep. Run as root, the server runs as the postgres OS user.

Prints "ok NAME" or "FAIL NAME: why" per test and "N passed, M failed"; exit 1 on
any failure. Python 3 standard library only.
"""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

from pgtest import WAIT, Failure, check, no_sanitizer_report, run_on_tty, run_tests, test


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg_bindir():
    cands = [os.environ.get("PG_BINDIR", "")]
    try:
        cands.append(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                    timeout=WAIT).stdout.strip())
    except OSError:
        pass
    cands.append("/usr/lib/postgresql/15/bin")
    for c in cands:
        if c and os.access(os.path.join(c, "psql"), os.X_OK):
            return c
    raise Failure("psql not found (apt-get install postgresql-client-15)")


def read_env_file(path):
    """The KEY=VALUE lines of an env file pgward wrote (values maybe single-quoted)."""
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, v = line.split("=", 1)
            if len(v) >= 2 and v[0] == v[-1] == "'":
                v = v[1:-1]
            vals[k] = v
    return vals


def pid_alive(pid):
    """Whether pid runs (a zombie waiting to be reaped does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rindex(")") + 2] not in "ZX"


def processes_naming(text):
    """Pids of the processes whose command line holds text."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd and pid_alive(int(name)):
            pids.append(int(name))
    return pids


def wait_until(cond, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)  # polling a condition, bounded by WAIT
    raise Failure("timed out waiting for " + what)


class Env:
    """One test's folder, stage folder, port and helpers."""

    def __init__(self, pgward, name):
        self.pgward = pgward
        self.name = name
        self.base = tempfile.mkdtemp(prefix="pgward-stage-%s-" % name)
        os.chmod(self.base, 0o755)  # the postgres OS user must reach the stage
        self.dir = os.path.join(self.base, "stage")
        self.port = free_port()
        self.outputs = []  # every stdout and stderr, to look for passwords

    def close(self):
        pids = []
        try:
            pids.append(self.postmaster_pid())
        except (OSError, ValueError):
            pass
        try:
            if os.path.exists(os.path.join(self.dir, "stage.json")):
                self.run("stage", "down", "--dir", self.dir)
        except Exception:  # noqa: BLE001 - the last resort below still runs
            pass
        # last resort: nothing left running (the postmaster's children end with it)
        for pid in [p for p in pids if pid_alive(p)] + processes_naming(self.base):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def env(self, **extra):
        # no PG* of the caller's: the stage's env files are the only source
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("PG") and k != "PGWARD_STAGE_DIR"}
        e.update(extra)
        return e

    def run(self, *args, check_rc=None, env=None):
        r = subprocess.run([self.pgward] + list(args), capture_output=True, text=True,
                           cwd=self.base, env=env or self.env(), timeout=WAIT * 3)
        no_sanitizer_report(r.stderr, "pgward " + " ".join(args))
        self.outputs += [r.stdout, r.stderr]
        if check_rc is not None and r.returncode != check_rc:
            raise Failure("pgward %s: exit %d, expected %d\nstdout: %s\nstderr: %s" % (
                " ".join(args), r.returncode, check_rc, r.stdout, r.stderr))
        return r

    def up(self, *extra, check_rc=0, env=None):
        return self.run("stage", "up", "--dir", self.dir, "--port", str(self.port), *extra,
                        check_rc=check_rc, env=env)

    def status(self, check_rc=None):
        return self.run("stage", "status", "--dir", self.dir, check_rc=check_rc)

    def postmaster_pid(self):
        with open(self.path("data", "postmaster.pid")) as f:
            return int(f.readline())

    def psql(self, env_file, sql):
        """Runs sql through psql with the env file's variables; returns its output."""
        e = self.env(**read_env_file(self.path(env_file)))
        r = subprocess.run([os.path.join(pg_bindir(), "psql"), "-X", "-At", "-v",
                            "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True,
                           env=e, timeout=WAIT)
        if r.returncode != 0:
            raise Failure("psql with %s failed: %s: %s" % (env_file, sql, r.stderr.strip()))
        return r.stdout.strip()

    def kill_postmaster(self):
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), "the postmaster to die")
        return pid

    def server_listens(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", self.port))
            return True
        except OSError:
            return False
        finally:
            s.close()


def passwords(env):
    return [read_env_file(env.path(f))["PGPASSWORD"] for f in (".env.admin", ".env.staging")]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------- tests

@test
def up_prints_evidence_and_writes_env_files(env):
    r = env.up("--ttl", "2h")
    out = r.stdout
    check(re.search(r"^stage up: PostgreSQL 15\.\d+ on 127\.0\.0\.1:%d, database staging \(%s\)$"
                    % (env.port, re.escape(env.dir)), out, re.M), "header: " + out)
    for pat in [r"^  version\(\): +PostgreSQL 15\.", r"^  current_database: +staging$",
                r"^  current_user: +codex_staging$", r"^  row_security: +on$",
                r"^  schemas: +audit, eng, vh, views$",
                r"^  codex grants: +schema eng: USAGE$", r"^ +schema vh: USAGE$",
                r"^ +eng\.service_credentials: INSERT, SELECT, UPDATE$",
                r"^  bootstrap_status: +item +healthy +set up at$",
                r"^ +schemas +yes +\d{4}-", r"^ +roles +yes ", r"^ +row level security +yes ",
                r"\.env\.staging +codex_staging, valid until \d{4}-\d\d-\d\dT[\d:]+Z \(2h00m\)",
                r"^use: pgward apply --env-file %s --set-role BUNDLE$" % re.escape(env.path(".env.admin"))]:
        check(re.search(pat, out, re.M), "evidence line %r missing:\n%s" % (pat, out))
    check(not re.search(r"\bNO\b", out), "an unhealthy bootstrap item:\n" + out)

    # the env files: 0600, one role each, the other's password nowhere in them
    admin, codex = read_env_file(env.path(".env.admin")), read_env_file(env.path(".env.staging"))
    for f in (".env.admin", ".env.staging"):
        check(mode(env.path(f)) == 0o600, "%s has mode %o" % (f, mode(env.path(f))))
    check(admin["PGUSER"] == "ehg_admin" and codex["PGUSER"] == "codex_staging",
          "users: %s, %s" % (admin["PGUSER"], codex["PGUSER"]))
    for v in (admin, codex):
        check(v["PGHOST"] == "127.0.0.1" and v["PGPORT"] == str(env.port) and
              v["PGDATABASE"] == "staging", "connection variables: %s" % sorted(v))
    check(len(admin["PGPASSWORD"]) >= 32 and admin["PGPASSWORD"] != codex["PGPASSWORD"],
          "passwords not random and distinct")
    with open(env.path(".env.admin")) as f:
        check(codex["PGPASSWORD"] not in f.read(), ".env.admin holds codex's password")
    with open(env.path(".env.staging")) as f:
        check(admin["PGPASSWORD"] not in f.read(), ".env.staging holds the admin's password")

    # the automation role connects with its file; its password expires within the ttl
    check(env.psql(".env.staging", "SELECT current_user || ' ' || current_database()")
          == "codex_staging staging", "codex cannot connect as itself")
    left = float(env.psql(".env.admin", "SELECT extract(epoch FROM rolvaliduntil - now()) "
                                        "FROM pg_roles WHERE rolname = 'codex_staging'"))
    check(7200 - 120 < left <= 7201, "codex_staging expires in %.0f s, expected ~7200" % left)
    check(env.psql(".env.admin", "SELECT rolvaliduntil IS NULL AND rolcanlogin FROM pg_roles "
                                 "WHERE rolname = 'ehg_admin'") == "t", "ehg_admin login")
    env.run("audit", "show", "--env-file", env.path(".env.admin"), check_rc=0)

    # what the audit trail needs is in the server's log
    with open(env.path("server.log")) as f:
        log = f.read()
    check("connection authorized: user=codex_staging database=staging" in log,
          "log_connections: no codex connection in server.log")
    check("statement: CREATE DATABASE staging" in log, "log_statement=ddl: no CREATE DATABASE")
    check(re.search(r"ALTER ROLE codex_staging LOGIN PASSWORD 'SCRAM-SHA-256\$", log),
          "the password was not sent as a SCRAM verifier")

    # passwords: never printed, never in the log or the marker
    with open(env.path("stage.json")) as f:
        marker = f.read()
    for pw in passwords(env):
        for text in env.outputs + [log, marker]:
            check(pw not in text, "a password appears in output, server.log or stage.json")
    check(not os.path.exists(env.path(".pwfile")), "the superuser password file is left")


@test
def status_running_then_killed(env):
    env.up()
    r = env.status(check_rc=0)
    check(re.search(r"^stage '%s': running on 127\.0\.0\.1:%d$" % (re.escape(env.dir), env.port),
                    r.stdout, re.M), "status: " + r.stdout)
    check(re.search(r"codex_staging valid until \S+Z \((7h59m|8h00m) left\)", r.stdout),
          "time left: " + r.stdout)
    check(env.path(".env.staging") in r.stdout, "env file not named: " + r.stdout)
    env.kill_postmaster()
    r = env.status(check_rc=1)
    check("not running (nothing answers on 127.0.0.1:%d)" % env.port in r.stdout,
          "status after SIGKILL: " + r.stdout)
    # down takes a dead stage away too
    env.run("stage", "down", "--dir", env.dir, check_rc=0)
    check(not os.path.exists(env.dir), "down left the folder")


@test
def second_up_changes_nothing(env):
    env.up()
    pid = env.postmaster_pid()
    with open(env.path(".env.staging")) as f:
        before = f.read()
    with open(env.path("stage.json")) as f:
        marker = f.read()
    r = env.run("stage", "up", "--dir", env.dir, "--port", str(free_port()), "--ttl", "1h",
                check_rc=0)
    check("already running in '%s'; nothing changed" % env.dir in r.stdout, "second up: " + r.stdout)
    check("running on 127.0.0.1:%d" % env.port in r.stdout, "second up names the port: " + r.stdout)
    check(env.postmaster_pid() == pid and pid_alive(pid), "the postmaster changed")
    with open(env.path(".env.staging")) as f:
        check(f.read() == before, ".env.staging changed")
    with open(env.path("stage.json")) as f:
        check(f.read() == marker, "stage.json changed")
    check(env.psql(".env.staging", "SELECT current_user") == "codex_staging",
          "codex cannot connect after the second up")


@test
def stale_stage_replaced(env):
    env.up()
    old_pid = env.kill_postmaster()
    old_pw = passwords(env)
    r = env.up()
    check("is stale (nothing answers on 127.0.0.1:%d): removing it" % env.port in r.stdout,
          "stale notice: " + r.stdout)
    check("stage up: PostgreSQL 15" in r.stdout, "no new stage: " + r.stdout)
    new_pid = env.postmaster_pid()
    check(new_pid != old_pid and pid_alive(new_pid), "no new postmaster")
    check(passwords(env)[1] != old_pw[1], "the stale stage's password was kept")
    env.status(check_rc=0)
    check(env.psql(".env.staging", "SELECT current_user") == "codex_staging",
          "codex cannot connect to the new stage")


@test
def stale_folder_left_half_made(env):
    # what a killed `up` leaves: the marker, not ready, and no server
    env.up()
    env.kill_postmaster()
    with open(env.path("stage.json")) as f:
        text = f.read()
    with open(env.path("stage.json"), "w") as f:
        f.write(text.replace('"ready":\ttrue', '"ready":\tfalse'))
    check('"ready":\tfalse' in open(env.path("stage.json")).read(), "marker not rewritten")
    r = env.status(check_rc=1)
    check("incomplete" in r.stdout, "status of a half-made stage: " + r.stdout)
    env.up()
    env.status(check_rc=0)


@test
def expired_credentials_refused(env):
    env.up("--ttl", "3s")
    check(env.psql(".env.staging", "SELECT current_user") == "codex_staging",
          "codex cannot connect before its password expires")
    wait_until(lambda: "(expired)" in env.status(check_rc=0).stdout, "status to say expired")
    e = env.env(**read_env_file(env.path(".env.staging")))
    r = subprocess.run([os.path.join(pg_bindir(), "psql"), "-X", "-At", "-c", "SELECT 1"],
                       capture_output=True, text=True, env=e, timeout=WAIT)
    check(r.returncode != 0 and "password authentication failed" in r.stderr,
          "codex connects after its password expired: %d %s" % (r.returncode, r.stderr))
    check(env.psql(".env.admin", "SELECT current_user") == "ehg_admin",
          "the admin cannot connect")


@test
def non_stage_folder_refused(env):
    os.makedirs(env.dir)
    keep = os.path.join(env.dir, "notes.txt")
    with open(keep, "w") as f:
        f.write("mine\n")
    r = env.up(check_rc=1)
    check("'%s' exists and is not a pgward stage" % env.dir in r.stderr, "up: " + r.stderr)
    r = env.run("stage", "down", "--dir", env.dir, check_rc=1)
    check("is not a pgward stage" in r.stderr and "left untouched" in r.stderr, "down: " + r.stderr)
    env.status(check_rc=2)
    check(os.listdir(env.dir) == ["notes.txt"], "the folder changed: %s" % os.listdir(env.dir))
    with open(keep) as f:
        check(f.read() == "mine\n", "the file changed")


@test
def down_removes_everything_and_is_idempotent(env):
    env.up()
    pid = env.postmaster_pid()
    r = env.run("stage", "down", "--dir", env.dir, check_rc=0)
    check("stage down: stopped the server and removed '%s'" % env.dir in r.stdout, "down: " + r.stdout)
    check(not os.path.exists(env.dir), "the folder is still there")
    check(not pid_alive(pid), "the postmaster still runs")
    check(not env.server_listens(), "something still listens on the port")
    check(not processes_naming(env.dir), "processes of the stage still run")
    r = env.run("stage", "down", "--dir", env.dir, check_rc=0)
    check("no stage in '%s'" % env.dir in r.stdout, "second down: " + r.stdout)
    r = env.status(check_rc=2)
    check("no stage in '%s'" % env.dir in r.stdout, "status: " + r.stdout)


@test
def bad_ttl_and_port(env):
    for ttl in ("0", "8d", "604801", "abc", "5w", "-1h", ""):
        r = env.up("--ttl", ttl, check_rc=2)
        check("invalid --ttl" in r.stderr, "--ttl %r: %s" % (ttl, r.stderr))
    r = env.run("stage", "up", "--dir", env.dir, "--port", "80", check_rc=2)
    check("invalid --port '80'" in r.stderr, "--port 80: " + r.stderr)
    env.run("stage", "status", "--dir", env.dir, "--ttl", "1h", check_rc=2)
    check(not os.path.exists(env.dir), "a usage error created the folder")


@test
def busy_port_refused(env):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        env.port = s.getsockname()[1]
        r = env.up(check_rc=1)
        check("port %d on 127.0.0.1 is in use" % env.port in r.stderr, "busy port: " + r.stderr)
        check(not os.path.exists(env.dir), "a failed up left the folder")
    finally:
        s.close()


@test
def interrupted_up_leaves_nothing(env):
    # SIGTERM right after the server started (PGWARD_TEST_FAULT, see stage.c)
    r = env.up(check_rc=128 + signal.SIGTERM, env=env.env(PGWARD_TEST_FAULT="stage-started"))
    check("interrupted" in r.stderr, "no word of the interruption: " + r.stderr)
    check(not os.path.exists(env.dir), "the half-made stage is still there")
    check(not processes_naming(env.dir), "the half-made stage's server still runs")
    check(not env.server_listens(), "something still listens on the port")


@test
def unreachable_folder_refused(env):
    if os.geteuid() != 0:
        return  # only root hands the server to another user
    os.chmod(env.base, 0o700)
    r = env.up(check_rc=1)
    check("cannot reach '%s': it may not enter '%s'" % (env.dir, env.base) in r.stderr,
          "unreachable: " + r.stderr)
    check(not os.path.exists(env.dir), "the refused stage folder was left")


@test
def default_folder_from_environment(env):
    env.outputs = []
    e = env.env(PGWARD_STAGE_DIR=env.dir)
    env.run("stage", "up", "--port", str(env.port), check_rc=0, env=e)
    r = env.run("stage", "status", check_rc=0, env=e)
    check(env.dir in r.stdout, "status of $PGWARD_STAGE_DIR: " + r.stdout)
    env.run("stage", "down", check_rc=0, env=e)
    check(not os.path.exists(env.dir), "down of $PGWARD_STAGE_DIR left the folder")


OTHER_POLICY = """
family app { schema app; }
family ops { schema ops; }
isolate app, ops;
sensitive table pattern "(?i)token";
role owner { unrestricted; grant all on family app; grant all on family ops; }
role bot { restricted; lifetime 1h; grant select, insert on family app; grant select on family ops; }
role reader { restricted; grant select on family ops; }
default role bot;
protect schema audit;
"""


@test
def up_sets_up_the_policy_given(env):
    """No role, schema or grant is pgward's own: they all come from --policy."""
    policy = os.path.join(env.base, "other.policy")
    with open(policy, "w") as f:
        f.write(OTHER_POLICY)
    out = env.up("--policy", policy).stdout
    for pat in [r"^  current_user: +bot$", r"^  schemas: +app, audit, ops$",
                r"^  codex grants: +schema app: USAGE$", r"^ +schema ops: USAGE$",
                r"^ +schemas +yes ", r"^ +roles +yes ", r"^ +privileges +yes ",
                r"\.env\.admin +owner$", r"\.env\.staging +bot, valid until "]:
        check(re.search(pat, out, re.M), "evidence line %r missing:\n%s" % (pat, out))
    check(not re.search(r"\bNO\b|ehg_admin|codex_staging|\beng\b", out), "not this policy's:\n" + out)
    admin, bot = read_env_file(env.path(".env.admin")), read_env_file(env.path(".env.staging"))
    check(admin["PGUSER"] == "owner" and bot["PGUSER"] == "bot", "users: %s, %s" % (
        admin["PGUSER"], bot["PGUSER"]))
    # what the policy grants, as the server sees it: bot inserts into app, only reads ops
    env.psql(".env.admin", "CREATE TABLE app.t (id int GENERATED ALWAYS AS IDENTITY, v text); "
                           "CREATE TABLE ops.api_token (v text)")
    got = env.psql(".env.staging", "INSERT INTO app.t (v) VALUES ('x') RETURNING id")
    check(got.splitlines()[0] == "1", "bot cannot insert into app.t: " + got)
    r = subprocess.run([os.path.join(pg_bindir(), "psql"), "-X", "-At", "-c",
                        "INSERT INTO ops.api_token VALUES ('x')"],
                       capture_output=True, text=True, timeout=WAIT,
                       env=env.env(**read_env_file(env.path(".env.staging"))))
    check(r.returncode != 0 and "permission denied" in r.stderr,
          "bot may write ops.api_token: " + r.stdout + r.stderr)
    status = env.status(check_rc=0).stdout
    check("bot valid until" in status and "(owner)" in status, "status: " + status)


STEP = re.compile(r"^stage up: \[(\d)/6 (\d+\.\d) s\] (.+?)\r?$", re.M)


@test
def up_prints_steps_on_a_terminal_only(env):
    rc, out, tty = run_on_tty([env.pgward, "stage", "up", "--dir", env.dir, "--port",
                               str(env.port)], env.base, env.env())
    env.outputs += [out, tty]
    check(rc == 0, "exit %d: %s %s" % (rc, out, tty))
    steps = STEP.findall(tty)
    check([n for n, _, _ in steps] == ["1", "2", "3", "4", "5", "6"], "steps: %r" % tty)
    times = [float(t) for _, t, _ in steps]
    check(times == sorted(times), "elapsed goes back: %r" % steps)
    check(steps[0][2] == "initialising the cluster (initdb)", str(steps))
    check("stage up: [" not in out, "steps on stdout: " + out)
    check(passwords(env) and not any(p in tty for p in passwords(env)), "a password on the tty")
    env.run("stage", "down", "--dir", env.dir, check_rc=0)
    # --quiet on a terminal, and a pipe: no steps
    rc, out, tty = run_on_tty([env.pgward, "stage", "up", "--quiet", "--dir", env.dir,
                               "--port", str(env.port)], env.base, env.env())
    env.outputs += [out, tty]
    check(rc == 0 and "stage up: [" not in tty + out, "--quiet: %r %r" % (tty, out))
    env.run("stage", "down", "--dir", env.dir, check_rc=0)
    r = env.up()
    check(r.stderr == "" and "stage up: [" not in r.stdout, "on a pipe: %r" % r.stderr)


if __name__ == "__main__":
    sys.exit(run_tests(Env))
