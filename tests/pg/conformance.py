#!/usr/bin/env python3
"""psql conformance test: does pgward find the statements psql 15 sends?

For each script file it
  (a) runs `psql -X -q -f FILE -v NAME=VALUE...` against the throwaway server started
      by with_pg.sh --log-statements (a fresh database per file, dropped afterwards) and
      reads from the server's jsonlog exactly the statements psql sent (the records of
      psql's session whose message is "statement: <text>"),
  (b) runs `pgward parse --format json FILE -v NAME=VALUE...` and takes the "text" of
      each element of "statements",
  (c) compares both sequences in order, each text trimmed of leading/trailing whitespace.
Both tools run with the file's folder as working directory (psql resolves \\i against
it, \\ir against the including file's folder).

Files: every *.sql directly in tests/fixtures/frontend/ (sorted), then the files named in
tests/pg/conformance_corpus.txt, found in <repo>/../shared/corpus/pg15-regress (that part
is skipped, with a message, when the folder is absent).

Directives in a fixture's leading comment lines:
  -- conformance-vars: a=1 b='two words'     -v variables given to both tools
  -- conformance: skip <reason>              not a test of its own (e.g. an included file)

Needs PGHOST/PGPORT/PGUSER and PGWARD_PG_JSONLOG (with_pg.sh --log-statements sets them).

  tests/pg/with_pg.sh --log-statements python3 tests/pg/conformance.py --pgward build/pgward
  ... conformance.py --psql-only --show FILE...   # print what psql sends, no pgward

Prints OK or the first difference per file and ends with "N passed, M failed";
exits 1 when any file differs, 2 on a usage or environment error.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REPO = os.path.dirname(os.path.dirname(HERE))
WS = " \t\n\r\f\v"
PSQL_TIMEOUT = 600      # seconds for one psql run
PGWARD_TIMEOUT = 120    # seconds for one pgward run
LOG_WAIT = 10.0         # seconds to wait for the marker to reach the log
ADMIN_APP = "pgward-conformance-admin"


class HarnessError(Exception):
    """The environment is broken (not a conformance difference)."""


def trunc(s, n=300):
    r = repr(s)
    return r if len(r) <= n else r[:n] + "...(%d chars)" % len(s)


# ---------------------------------------------------------------- file list

def read_directives(path):
    """Returns (vars, skip_reason) from the file's leading `--` comment lines."""
    variables, skip = [], None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            if not line.startswith("--"):
                break
            body = line[2:].strip()
            m = re.match(r"conformance-vars:\s*(.*)$", body)
            if m:
                for tok in shlex.split(m.group(1)):
                    if "=" not in tok:
                        raise HarnessError("%s: bad conformance-vars entry %r (want NAME=VALUE)"
                                           % (path, tok))
                    variables.append(tok)
                continue
            m = re.match(r"conformance:\s*skip\b\s*(.*)$", body)
            if m:
                skip = m.group(1) or "skip"
    return variables, skip


def fixture_files(fixtures_dir):
    if not os.path.isdir(fixtures_dir):
        raise HarnessError("fixtures folder not found: %s" % fixtures_dir)
    return [os.path.join(fixtures_dir, n) for n in sorted(os.listdir(fixtures_dir))
            if n.endswith(".sql") and os.path.isfile(os.path.join(fixtures_dir, n))]


def corpus_files(corpus_dir, list_file):
    names = []
    with open(list_file, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    missing = [n for n in names if not os.path.isfile(os.path.join(corpus_dir, n))]
    if missing:
        raise HarnessError("corpus files listed in %s but missing from %s: %s"
                           % (list_file, corpus_dir, ", ".join(missing)))
    return [os.path.join(corpus_dir, n) for n in names]


# ---------------------------------------------------------------- server log

class JsonLog:
    """Reads the server's jsonlog incrementally (one JSON record per complete line)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""

    def _read_new(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()      # incomplete last line (or b"")
        out = []
        for line in lines:
            if not line.strip():
                continue
            try:
                out.append(json.loads(line.decode("utf-8", "replace")))
            except ValueError as e:
                raise HarnessError("unreadable jsonlog record %s: %s" % (trunc(line), e))
        return out

    def read_until(self, marker_message, timeout=LOG_WAIT):
        """Records up to (excluding) the one whose message is marker_message; polls the
        file until it appears (the logging collector writes with a small delay)."""
        records = []
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            for rec in self._read_new():
                if rec.get("message") == marker_message:
                    return records
                records.append(rec)
            if time.monotonic() > deadline:
                raise HarnessError("marker %r did not reach %s within %.0f s"
                                   % (marker_message, self.path, timeout))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def psql_statements(records, appname):
    """Statements sent by the session(s) that psql opened with application_name=appname
    (a script may change application_name, so whole sessions are taken).

    log_statement=all logs "statement: <text>" only for a query string that passes raw
    parsing; one with a syntax error is only logged as an ERROR record whose "statement"
    field is the query string. So an ERROR whose statement was not just logged by a
    "statement:" record of the same session is a query that failed to parse, and counts.
    Returns (statements, COPY FROM STDIN statements that failed on the server)."""
    sessions = {r.get("session_id") for r in records if r.get("application_name") == appname}
    stmts, copy_failures = [], []
    pending = {}   # session_id -> the last logged statement text
    for r in records:
        sid = r.get("session_id")
        if sid not in sessions:
            continue
        msg = r.get("message", "")
        sev = r.get("error_severity")
        if sev == "LOG" and msg.startswith("statement: "):
            text = msg[len("statement: "):]
            stmts.append(text)
            pending[sid] = text
        elif sev == "ERROR" and "statement" in r:
            text = r["statement"]
            if pending.get(sid) != text:
                stmts.append(text)       # rejected by the parser: never logged above
            pending.pop(sid, None)
            # a COPY FROM STDIN that failed before the server asked for data (not while
            # reading it: then the context names the data line) leaves psql reading the
            # inline data as SQL: a flow that depends on the server
            if (re.search(r"(?is)^\s*copy\b.*\bfrom\s+stdin\b", text)
                    and not re.search(r"\bCOPY \S+, line \d+", r.get("context", ""))):
                copy_failures.append(text)
    return stmts, copy_failures


# ---------------------------------------------------------------- the runs

class Runner:
    def __init__(self, args):
        self.args = args
        self.psql = args.psql or shutil.which("psql")
        if not self.psql:
            raise HarnessError("psql not found (run under tests/pg/with_pg.sh)")
        jsonlog = os.environ.get("PGWARD_PG_JSONLOG", "")
        if not jsonlog:
            raise HarnessError("PGWARD_PG_JSONLOG is not set: run under "
                               "tests/pg/with_pg.sh --log-statements")
        self.log = JsonLog(jsonlog)
        self.env = dict(os.environ)
        for k in ("PGOPTIONS", "PSQLRC", "PGAPPNAME", "PGCLIENTENCODING", "PGSERVICE"):
            self.env.pop(k, None)
        self.env["PGCLIENTENCODING"] = "UTF8"
        self.env["PGDATABASE"] = "postgres"
        self.serial = 0

    def admin(self, sql):
        env = dict(self.env, PGAPPNAME=ADMIN_APP)
        p = subprocess.run([self.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        if p.returncode != 0:
            raise HarnessError("%s failed: %s" % (sql, p.stderr.decode(errors="replace").strip()))
        return p.stdout.decode(errors="replace").strip()

    def version_line(self):
        return self.admin("SELECT version()")

    def run_psql(self, path, variables):
        """Returns (statements, notes)."""
        self.serial += 1
        n = self.serial
        db = "conf_%d" % n
        appname = "pgward-conformance-%d" % n
        marker = "SELECT 'pgward-conformance-marker-%d'" % n
        # template0: autovacuum may be connected to template1, and CREATE DATABASE then
        # waits for it; FILE_COPY is faster than WAL_LOG on this small fsync=off cluster
        self.admin("CREATE DATABASE %s TEMPLATE template0 STRATEGY = FILE_COPY" % db)
        cmd = [self.psql, "-X", "-q", "-f", os.path.basename(path)]
        for v in variables:
            cmd += ["-v", v]
        env = dict(self.env, PGDATABASE=db, PGAPPNAME=appname)
        notes = []
        try:
            p = subprocess.run(cmd, cwd=os.path.dirname(path), env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=PSQL_TIMEOUT)
            if p.returncode not in (0, 3):
                notes.append("psql exited with status %d: %s" % (
                    p.returncode, trunc(p.stderr.decode(errors="replace")[-500:])))
            if self.args.show_stderr and p.stderr:
                sys.stdout.write(p.stderr.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            notes.append("psql timed out after %d s" % PSQL_TIMEOUT)
        self.admin(marker)
        records = self.log.read_until("statement: " + marker)
        stmts, copy_failures = psql_statements(records, appname)
        for c in copy_failures:
            notes.append("COPY FROM STDIN failed on the server, so psql read its inline data "
                         "as SQL (server-dependent): %s" % trunc(c, 120))
        self.admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        return stmts, notes

    def run_pgward(self, path, variables):
        cmd = [self.args.pgward, "parse", "--format", "json", os.path.basename(path)]
        for v in variables:
            cmd += ["-v", v]
        try:
            p = subprocess.run(cmd, cwd=os.path.dirname(path), stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=PGWARD_TIMEOUT)
        except subprocess.TimeoutExpired:
            return None, "pgward timed out after %d s" % PGWARD_TIMEOUT
        if p.returncode not in (0, 1):
            return None, "pgward exited with status %d: %s" % (
                p.returncode, trunc(p.stderr.decode(errors="replace")[-500:]))
        try:
            doc = json.loads(p.stdout.decode("utf-8", "replace"))
            return [st["text"] for st in doc["statements"]], None
        except (ValueError, KeyError, TypeError) as e:
            return None, "pgward output is not the expected JSON (%s): %s" % (
                e, trunc(p.stdout.decode(errors="replace")[:500]))


def compare(a, b):
    """Index of the first difference of the trimmed sequences, or None."""
    a = [s.strip(WS) for s in a]
    b = [s.strip(WS) for s in b]
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def label(path, repo):
    rel = os.path.relpath(path, repo)
    if rel.startswith(".." + os.sep):
        rel = os.path.relpath(path, os.path.dirname(repo))
        return path if rel.startswith(".." + os.sep) else rel
    return rel


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pgward", help="the pgward executable")
    ap.add_argument("--psql", help="psql to use (default: psql on PATH)")
    ap.add_argument("--repo", default=DEFAULT_REPO, help="project root")
    ap.add_argument("--fixtures", help="default: <repo>/tests/fixtures/frontend")
    ap.add_argument("--corpus-dir", help="default: <repo>/../shared/corpus/pg15-regress")
    ap.add_argument("--corpus-list", help="default: <repo>/tests/pg/conformance_corpus.txt")
    ap.add_argument("--no-corpus", action="store_true", help="fixtures only")
    ap.add_argument("--no-fixtures", action="store_true", help="corpus only")
    ap.add_argument("--psql-only", action="store_true",
                    help="only run psql (no comparison): use with --show")
    ap.add_argument("--show", action="store_true", help="print every statement psql sent")
    ap.add_argument("--show-stderr", action="store_true", help="print psql's stderr")
    ap.add_argument("--vars", action="append", default=[],
                    help="NAME=VALUE given to both tools for explicit FILEs")
    ap.add_argument("files", nargs="*", help="run only these files (default: all)")
    args = ap.parse_args()
    if not args.psql_only and not args.pgward:
        ap.error("--pgward is required (or --psql-only)")
    if args.pgward and not os.access(args.pgward, os.X_OK):
        print("pgward executable not found: %s" % args.pgward)
        return 2

    repo = os.path.abspath(args.repo)
    try:
        work = []   # (path, variables)
        if args.files:
            for f in args.files:
                v, _ = read_directives(f)
                work.append((os.path.abspath(f), v + args.vars))
        else:
            if not args.no_fixtures:
                fdir = args.fixtures or os.path.join(repo, "tests", "fixtures", "frontend")
                for f in fixture_files(fdir):
                    v, skip = read_directives(f)
                    if skip:
                        print("skip  %s (%s)" % (label(f, repo), skip))
                        continue
                    work.append((f, v))
            if not args.no_corpus:
                cdir = args.corpus_dir or os.path.join(repo, "..", "shared", "corpus",
                                                        "pg15-regress")
                clist = args.corpus_list or os.path.join(HERE, "conformance_corpus.txt")
                if os.path.isdir(cdir):
                    work += [(f, []) for f in corpus_files(os.path.abspath(cdir), clist)]
                else:
                    print("corpus absent, skipping corpus part (%s)" % cdir)
        runner = Runner(args)
        print("server: %s" % runner.version_line())
        print("psql: %s" % subprocess.run([runner.psql, "--version"], capture_output=True,
                                          text=True).stdout.strip())
    except HarnessError as e:
        print("harness error: %s" % e)
        return 2

    passed = failed = 0
    for path, variables in work:
        name = label(path, repo)
        shown = name + ("  [-v %s]" % " -v ".join(variables) if variables else "")
        try:
            stmts, notes = runner.run_psql(path, variables)
        except HarnessError as e:
            print("FAIL  %s: harness error: %s" % (shown, e))
            failed += 1
            continue
        if args.show:
            print("----  %s: psql sent %d statement(s)" % (shown, len(stmts)))
            for i, s in enumerate(stmts):
                print("  [%d] %s" % (i, trunc(s, 400)))
        if args.psql_only:
            for note in notes:
                print("      note: %s" % note)
            continue
        got, err = runner.run_pgward(path, variables)
        if err:
            print("FAIL  %s: %s" % (shown, err))
            failed += 1
            continue
        i = compare(stmts, got)
        if i is None:
            print("OK    %s (%d statements)" % (shown, len(stmts)))
            passed += 1
            continue
        failed += 1
        print("FAIL  %s: first difference at statement index %d (psql sent %d, pgward found %d)"
              % (shown, i, len(stmts), len(got)))
        print("      psql:   %s" % (trunc(stmts[i]) if i < len(stmts) else "(no more statements)"))
        print("      pgward: %s" % (trunc(got[i]) if i < len(got) else "(no more statements)"))
        for note in notes:
            print("      note: %s" % note)
    if args.psql_only:
        print("psql only: %d file(s) run" % len(work))
        return 0
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
