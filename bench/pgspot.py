#!/usr/bin/env python3
"""bench/pgspot.py: pgward against pgspot's own test suite, per pgspot code.

    bench/pgspot.py [--pgspot-repo DIR] [--commit REV] [--pgward BIN]
                    [--rules DIR] [--python PY] [--no-pgspot] [--out FILE]

pgspot (timescale/pgspot) is the security linter for PostgreSQL extension scripts
that pgward's security rules take as their model. This runs pgspot's test inputs
through `pgward lint --format json`:

  - testdata/*.sql with the findings testdata/expected/*.out expects, each
    `CODE: title: context at line N`;
  - the SQL of its unit tests (tests/*_test.py, read with Python's ast module): every
    `output = run(sql[, args])` and the asserts on that output, `"PSnnn" in
    output` (an expected finding, anywhere in the input), `"PSnnn" not in output`
    and `"Errors: 0 Warnings: 0" in output` (the input is safe). The same expected
    code on the same SQL counts once. Options pgward has no equivalent of
    (`--sql-accepting`) are listed; `--ignore PSnnn` only removes that code.

Each input is written as `<name>--1.0.sql`, a file name pgward takes for an
extension script (pgspot's main use), and linted with `--profile extension` too
when `pgward lint --help` lists that option.

A pgspot finding at "line N" is matched when pgward reports, in the same statement,
a finding of a rule whose doc's Peers line (rules/<id>.md, `Peers: pgspot PS016,
PS017; ...`) names that code. pgspot's N is the line of the first character after
the previous statement's semicolon (its line_number()), so the statement is found
the same way from the statements `pgward parse --format json` reads. "one-to-one"
also requires a different pgward finding for each expected one (pgspot may report
three names in a statement where pgward reports one finding).

Prints a Markdown report (and writes it to --out FILE): per pgspot code the expected
findings, the matched ones, recall and the pgward rules paired with it; the
findings pgward reports on statements and inputs pgspot's tests mark safe, each
listed to be judged by hand; the misses; the total. When pgspot itself can run
(its source at the same commit, with a python3 that has pglast: Debian's
python3-pglast), it is run on the same inputs as a check that the expectations
hold with that pglast.

Never a test or a CI dependency: exits 0 with a note ("skipped: ...") when the
pgspot source or the pgward binary is absent; 2 on a usage error. Python 3
standard library only. Defaults: --pgspot-repo $PGSPOT_REPO or
/work/.mirror/timescale+pgspot/repo (a bare repository or a work tree), --commit
HEAD, --pgward $PGWARD or build/pgward, --rules the rules/ beside bench/.
"""

import argparse
import ast
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_REPO = "/work/.mirror/timescale+pgspot/repo"
CODES = ["PS%03d" % i for i in range(1, 19)]
EXPECTED_RE = re.compile(r"^(PS\d{3}): [^:]*: (.*) at line (\d+)$")
PEERS_PGSPOT_RE = re.compile(r"^Peers: pgspot (PS\d{3}(?:, PS\d{3})*)")


# ---------------------------------------------------------------- pgspot's tree

class Source:
    """pgspot's files at one commit, from a bare repository or a work tree."""

    def __init__(self, path, commit):
        self.path = path
        self.commit = commit
        # a work tree's files as they are, unless another commit is asked for
        self.worktree = os.path.isdir(os.path.join(path, "testdata")) and commit == "HEAD"
        p = subprocess.run(["git", "-C", path, "rev-parse", "--verify", commit + "^{commit}"],
                           capture_output=True, text=True)
        self.hash = p.stdout.strip() if p.returncode == 0 else None
        if not self.worktree and not self.hash:
            raise ValueError("no commit %s in %s" % (commit, path))

    def list(self, folder):
        if self.worktree:
            d = os.path.join(self.path, folder)
            return sorted(os.path.join(folder, f) for f in os.listdir(d))
        p = subprocess.run(["git", "-C", self.path, "ls-tree", "--name-only",
                            self.hash, folder + "/"], capture_output=True, text=True,
                           check=True)
        return sorted(p.stdout.split())

    def read(self, name):
        if self.worktree:
            with open(os.path.join(self.path, name), encoding="utf-8") as f:
                return f.read()
        p = subprocess.run(["git", "-C", self.path, "show", "%s:%s" % (self.hash, name)],
                           capture_output=True, check=True)
        return p.stdout.decode("utf-8")

    def export(self, dest):
        """The tree at the commit into dest (to run pgspot from its source)."""
        if self.worktree:
            shutil.copytree(os.path.join(self.path, "src"), os.path.join(dest, "src"))
            return
        arch = subprocess.run(["git", "-C", self.path, "archive", self.hash, "src"],
                              capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", dest], input=arch.stdout, check=True)


class Case:
    """One input: its SQL, pgspot options, expected findings and safe assertions."""

    def __init__(self, name, origin, sql, args):
        self.name = name        # file name stem, also the key in the report
        self.origin = origin    # where in pgspot's tree it comes from
        self.sql = sql
        self.args = args        # pgspot options of the unit test
        self.expected = []      # (code, line or None, context)
        self.safe_codes = []    # codes that must not be reported (unit tests)
        self.all_safe = False   # no finding at all expected (unit tests)
        self.golden = None      # the expected .out text (testdata)


def testdata_cases(src):
    cases = []
    for path in src.list("testdata"):
        if not path.endswith(".sql"):
            continue
        stem = os.path.basename(path)[:-4]
        out = "testdata/expected/%s.out" % stem
        try:
            expected = src.read(out)
        except (subprocess.CalledProcessError, OSError):
            continue
        c = Case(stem, path, src.read(path), [])
        c.golden = expected
        for ln in expected.splitlines():
            m = EXPECTED_RE.match(ln)
            if m:
                c.expected.append((m.group(1), int(m.group(3)), m.group(2)))
        cases.append(c)
    return cases


def _const(node, env):
    """The value of a constant, a list of constants, list("...") or a name bound to one."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.List):
        vals = [_const(e, env) for e in node.elts]
        return vals if all(isinstance(v, str) for v in vals) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "list" and len(node.args) == 1):
        v = _const(node.args[0], env)
        # pgspot's ignore_lang_test passes list("--ignore-lang=..."): one character
        # per argument, which its argparse reads as short options. Kept as written.
        return list(v) if isinstance(v, str) else None
    return None


def unit_cases(src):
    """The run(sql, args) calls of tests/*_test.py and the asserts on their output."""
    cases = []
    for path in src.list("tests"):
        if not path.endswith("_test.py"):
            continue
        tree = ast.parse(src.read(path))
        module_env = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                v = _const(node.value, module_env)
                if v is not None:
                    module_env[node.targets[0].id] = v
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
                continue
            env = dict(module_env)
            current = {}   # output variable -> Case
            n = 0
            for st in fn.body:
                if isinstance(st, ast.Assign) and len(st.targets) == 1 \
                        and isinstance(st.targets[0], ast.Name):
                    target = st.targets[0].id
                    v = st.value
                    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) \
                            and v.func.id == "run":
                        sql = _const(v.args[0], env) if v.args else None
                        args = _const(v.args[1], env) if len(v.args) > 1 else []
                        if not isinstance(sql, str) or args is None:
                            continue
                        n += 1
                        name = "%s_%s%s" % (os.path.basename(path)[:-8], fn.name[5:],
                                            "" if n == 1 else "_%d" % n)
                        c = Case(name, "%s:%s" % (path, fn.name), sql, args)
                        current[target] = c
                        cases.append(c)
                    else:
                        val = _const(v, env)
                        if val is not None:
                            env[target] = val
                elif isinstance(st, ast.Assert):
                    _assertion(st.test, current)
    return [c for c in cases if c.expected or c.safe_codes or c.all_safe]


def _assertion(test, current):
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) \
        else [test]
    for t in tests:
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1
                and isinstance(t.left, ast.Constant) and isinstance(t.left.value, str)
                and isinstance(t.comparators[0], ast.Name)
                and t.comparators[0].id in current):
            continue
        c = current[t.comparators[0].id]
        text = t.left.value
        if re.fullmatch(r"PS\d{3}", text):
            if isinstance(t.ops[0], ast.In):
                c.expected.append((text, None, "(anywhere in the input)"))
            elif isinstance(t.ops[0], ast.NotIn) and not _ignored(c, text):
                c.safe_codes.append(text)
        elif text.startswith("Errors: 0 Warnings: 0") and isinstance(t.ops[0], ast.In):
            c.all_safe = True


def _ignored(case, code):
    """pgspot's --ignore CODE: "CODE not in output" then tests the option, not safety."""
    joined = " ".join(case.args)
    return re.search(r"--ignore[ =]%s\b" % code, joined) is not None


def dedupe_unit(cases):
    """The same expected code on the same SQL counts once (global_ignore runs the
    same SQL twice, once with --ignore)."""
    seen = set()
    for c in cases:
        kept = []
        for e in c.expected:
            key = (c.sql.strip(), e[0])
            if key not in seen:
                seen.add(key)
                kept.append(e)
        c.expected = kept
    return cases


# ---------------------------------------------------------------- pgward

def load_peers(rules_dir):
    """pgspot code -> the pgward rules whose doc's Peers line names it."""
    peers = collections.defaultdict(set)
    for f in sorted(os.listdir(rules_dir)):
        if not f.endswith(".md"):
            continue
        with open(os.path.join(rules_dir, f), encoding="utf-8") as fh:
            for ln in fh:
                m = PEERS_PGSPOT_RE.match(ln)
                if m:
                    for code in m.group(1).split(", "):
                        peers[code].add(f[:-3])
    return peers


def pgward_supports_profile(pgward):
    p = subprocess.run([pgward, "lint", "--help"], capture_output=True, text=True)
    return "--profile" in p.stdout


def pgward_run(pgward, path, profile):
    env = dict(os.environ, NO_COLOR="1")
    opts = ["--profile", "extension"] if profile else []
    lint = subprocess.run([pgward, "lint", "--format", "json"] + opts + [path],
                          capture_output=True, env=env)
    parse = subprocess.run([pgward, "parse", "--format", "json", path],
                           capture_output=True, env=env)
    try:
        findings = json.loads(lint.stdout)["findings"]
        stmts = json.loads(parse.stdout)["statements"]
    except (ValueError, KeyError):
        raise RuntimeError("pgward on %s: lint exit %d, parse exit %d: %s"
                           % (path, lint.returncode, parse.returncode,
                              (lint.stderr + parse.stderr).decode(errors="replace")))
    return findings, stmts


def pgspot_line_of(stmts, data):
    """For each statement (index), the line pgspot reports for it: 1 for the first,
    else the line of the character after the previous statement's end (counting a
    newline there), as pgspot's Counter.line_number() computes it."""
    lines = []
    for i, s in enumerate(stmts):
        if i == 0:
            lines.append(1 + data.count(b"\n", 0, 1))
        else:
            prev = stmts[i - 1]
            loc = prev["offset"] + prev["length"]
            lines.append(1 + data.count(b"\n", 0, loc + 1))
    return lines


def one_to_one(cands):
    """A largest matching of expected findings (index j, candidates cands[j]) to
    distinct pgward findings (augmenting paths; the lists are a few items long)."""
    owner = {}

    def place(j, seen):
        for k in cands[j]:
            if k in seen:
                continue
            seen.add(k)
            if k not in owner or place(owner[k], seen):
                owner[k] = j
                return True
        return False

    for j in range(len(cands)):
        place(j, set())
    return sorted((j, k) for k, j in owner.items())


def statement_of(finding, stmts):
    off = finding.get("offset")
    for i, s in enumerate(stmts):
        if off is not None and s["offset"] <= off < s["offset"] + s["length"]:
            return i
    for i, s in enumerate(stmts):  # fall back on the line
        end_line = s["line"] + s["text"].count("\n")
        if s["line"] <= finding["line"] <= end_line:
            return i
    return None


# ---------------------------------------------------------------- pgspot itself

def pgspot_check(src, python, cases, workdir):
    """Runs pgspot from its source on the cases; returns (summary line, details)."""
    if not python or not shutil.which(python):
        return "pgspot not run: no %s" % python, []
    p = subprocess.run([python, "-c", "import pglast; print(pglast.__version__)"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return ("pgspot not run: %s has no pglast (apt-get install python3-pglast)"
                % python), []
    pglast = p.stdout.strip()
    dest = os.path.join(workdir, "pgspot-src")
    os.makedirs(dest)
    src.export(dest)
    env = dict(os.environ, PYTHONPATH=os.path.join(dest, "src"))
    golden_ok = golden_n = unit_ok = unit_n = 0
    details = []
    for c in cases:
        if c.golden is not None:
            golden_n += 1
            r2 = subprocess.run([python, "-m", "pgspot", "testdata/%s.sql" % c.name],
                                capture_output=True, text=True, env=env,
                                cwd=os.path.join(workdir, "inputs-pgspot"))
            if r2.stdout == c.golden:
                golden_ok += 1
            else:
                details.append("%s: pgspot's output differs from expected/%s.out"
                               % (c.origin, c.name))
            continue
        # as pgspot's tests/util.py: the arguments joined into one shell command line
        r = subprocess.run([python, "-m", "pgspot"] + shlex.split(" ".join(c.args)),
                           input=c.sql, capture_output=True, text=True, env=env)
        out = r.stdout
        checks = [(e[0] in out, '"%s" in output' % e[0]) for e in c.expected]
        checks += [(code not in out, '"%s" not in output' % code) for code in c.safe_codes]
        if c.all_safe:
            checks.append(("Errors: 0 Warnings: 0" in out, '"Errors: 0 Warnings: 0"'))
        for ok, what in checks:
            unit_n += 1
            unit_ok += ok
            if not ok:
                details.append("%s: pgspot fails %s" % (c.origin, what))
    line = ("pgspot %s run from source with pglast %s (%s): testdata output identical "
            "to expected/*.out for %d of %d files; unit-test assertions used here hold "
            "for %d of %d" % (src.hash[:7] if src.hash else "work tree", pglast, python,
                              golden_ok, golden_n, unit_ok, unit_n))
    return line, details


# ---------------------------------------------------------------- report

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pgspot-repo", default=os.environ.get("PGSPOT_REPO", DEFAULT_REPO))
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument("--pgward", default=os.environ.get("PGWARD",
                                                       os.path.join(ROOT, "build", "pgward")))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--python", default="/usr/bin/python3",
                    help="the python3 that runs pgspot (needs pglast; default "
                         "Debian's, for python3-pglast)")
    ap.add_argument("--no-pgspot", action="store_true", help="do not run pgspot itself")
    ap.add_argument("--out", help="also write the report to this file")
    a = ap.parse_args()

    if not os.path.isdir(a.pgspot_repo):
        print("skipped: no pgspot source at %s (--pgspot-repo or PGSPOT_REPO)"
              % a.pgspot_repo)
        return 0
    if not (os.path.isfile(a.pgward) and os.access(a.pgward, os.X_OK)):
        print("skipped: no pgward binary at %s (--pgward or PGWARD)" % a.pgward)
        return 0
    try:
        src = Source(a.pgspot_repo, a.commit)
    except ValueError as e:
        print("bench/pgspot.py: %s" % e, file=sys.stderr)
        return 2

    peers = load_peers(a.rules)
    profile = pgward_supports_profile(a.pgward)
    cases = testdata_cases(src) + dedupe_unit(unit_cases(src))
    gv = subprocess.run([a.pgward, "--version"], capture_output=True, text=True)
    gv = gv.stdout.splitlines()[0] if gv.stdout else a.pgward
    rc = subprocess.run(["git", "-C", a.rules, "log", "-1", "--format=%h", "--", "."],
                        capture_output=True, text=True)
    rules_commit = rc.stdout.strip() or "not in git"
    if subprocess.run(["git", "-C", a.rules, "status", "--porcelain", "--", "."],
                      capture_output=True, text=True).stdout.strip():
        rules_commit += " with uncommitted changes"

    out = []
    w = out.append
    stats = {c: [0, 0, 0] for c in CODES}   # expected, matched, one-to-one
    misses = []            # (case, code, line, context)
    safe_findings = []     # (case, where, finding)
    other_on_flagged = collections.Counter()  # rule -> count on flagged statements
    peer_extra = []        # peer-rule findings on flagged statements, code not expected
    unsupported = []
    unplaced = []          # expected lines no statement of pgward's reading starts at
    peer_rules = set().union(*peers.values()) if peers else set()

    with tempfile.TemporaryDirectory(prefix="pgward-pgspot-") as tmp:
        os.makedirs(os.path.join(tmp, "inputs-pgspot", "testdata"))
        for c in cases:
            if c.golden is not None:
                with open(os.path.join(tmp, "inputs-pgspot", "testdata", c.name + ".sql"),
                          "w", encoding="utf-8") as f:
                    f.write(c.sql)
            fname = re.sub(r"[^A-Za-z0-9_]", "_", c.name) + "--1.0.sql"
            path = os.path.join(tmp, fname)
            with open(path, "w", encoding="utf-8") as f:
                f.write(c.sql)
            data = c.sql.encode("utf-8")
            findings, stmts = pgward_run(a.pgward, path, profile)
            for opt in c.args:
                if opt.startswith("--sql-accepting"):
                    unsupported.append("%s: pgspot option %s (pgward has none like it)"
                                       % (c.origin, opt))
            by_stmt = collections.defaultdict(list)
            for fd in findings:
                by_stmt[statement_of(fd, stmts)].append(fd)
            if c.golden is not None:
                plines = pgspot_line_of(stmts, data)
                expected_by_stmt = collections.defaultdict(list)
                for code, line, ctx in c.expected:
                    idx = [i for i, pl in enumerate(plines) if pl == line]
                    if not idx:
                        unplaced.append((c, code, line))
                    key = idx[0] if len(idx) == 1 else (tuple(idx) if idx else None)
                    expected_by_stmt[key].append((code, line, ctx))
                for key, exps in expected_by_stmt.items():
                    idxs = key if isinstance(key, tuple) else ([] if key is None else [key])
                    pool = [fd for i in idxs for fd in by_stmt.get(i, [])]
                    cands = []
                    for code, line, ctx in exps:
                        stats[code][0] += 1
                        ks = [k for k, fd in enumerate(pool)
                              if fd["rule"] in peers.get(code, ())]
                        # try first the finding that names the same object
                        name = ctx.split(" in ")[0].split("(")[0].split(".")[-1]
                        ks.sort(key=lambda k: name not in pool[k]["message"])
                        cands.append(ks)
                        if ks:
                            stats[code][1] += 1
                        else:
                            misses.append((c, code, line, ctx))
                    for j, _ in one_to_one(cands):
                        stats[exps[j][0]][2] += 1
                    codes_here = {e[0] for e in exps}
                    for fd in pool:
                        if fd["rule"] in peer_rules:
                            paired = {cd for cd, rs in peers.items() if fd["rule"] in rs}
                            if not paired & codes_here:
                                peer_extra.append((c, fd))
                        else:
                            other_on_flagged[fd["rule"]] += 1
                flagged = {i for k in expected_by_stmt for i in
                           (k if isinstance(k, tuple) else ([] if k is None else [k]))}
                for i, fds in by_stmt.items():
                    if i not in flagged:
                        for fd in fds:
                            safe_findings.append((c, "no finding expected in this statement", fd))
            else:
                for code, line, ctx in c.expected:
                    stats[code][0] += 1
                    hit = [fd for fd in findings if fd["rule"] in peers.get(code, ())]
                    if hit:
                        stats[code][1] += 1
                        stats[code][2] += 1
                    else:
                        misses.append((c, code, None, ctx))
                if c.all_safe:
                    for fd in findings:
                        safe_findings.append((c, "input pgspot's test marks safe", fd))
                elif c.safe_codes:
                    for fd in findings:
                        if any(fd["rule"] in peers.get(code, ()) for code in c.safe_codes):
                            safe_findings.append(
                                (c, "input where pgspot's test asserts %s is not reported"
                                 % "/".join(c.safe_codes), fd))
        pgspot_line, pgspot_details = ("pgspot not run (--no-pgspot)", []) if a.no_pgspot \
            else pgspot_check(src, a.python, cases, tmp)

    total = [sum(stats[c][k] for c in CODES) for k in range(3)]
    pct = (lambda n, d: "%d%%" % round(100.0 * n / d) if d else "-")
    w("## pgward against pgspot's test suite")
    w("")
    w("pgspot %s (%s), %d inputs (%d testdata files, %d unit-test inputs); %s (%s); "
      "inputs linted as `NAME--1.0.sql`%s; pairing from the Peers lines of %s (%s)."
      % (src.hash[:7] if src.hash else "work tree", a.pgspot_repo,
         len(cases), sum(1 for c in cases if c.golden is not None),
         sum(1 for c in cases if c.golden is None), gv, a.pgward,
         " with `--profile extension`" if profile else "",
         os.path.relpath(a.rules, os.getcwd()), rules_commit))
    w("")
    w(pgspot_line + ".")
    for d in pgspot_details:
        w("- " + d)
    w("")
    w("| code | pgspot title | expected | matched | recall | one-to-one | pgward rules (Peers) |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    titles = pgspot_titles(src)
    for code in CODES:
        e, m, o = stats[code]
        w("| %s | %s | %d | %d | %s | %d | %s |"
          % (code, titles.get(code, ""), e, m, pct(m, e), o,
             ", ".join(sorted(peers.get(code, ()))) or "none"))
    w("| **total** | | **%d** | **%d** | **%s** | %d (%s) | |"
      % (total[0], total[1], pct(total[1], total[0]), total[2], pct(total[2], total[0])))
    w("")
    unpaired = [c for c in CODES if not peers.get(c)]
    w("Codes no rule doc pairs: %s." % (", ".join(unpaired) or "none"))
    for c, code, line in unplaced:
        w("- not placed: %s at line %d of `%s` is at no statement start pgward reads "
          "(counted as a miss unless matched)" % (code, line, c.origin))
    w("")
    w("### Findings on what pgspot's tests mark safe (%d, to be judged)" % len(safe_findings))
    w("")
    w("Statements of testdata files for which pgspot expects nothing, and unit-test "
      "inputs asserted clean. Rules in bold are paired with a pgspot code (what "
      "issue 16's acceptance counts); the others are rules pgspot has no opinion on.")
    w("")
    for c, where, fd in safe_findings:
        w("- %s: `%s` line %d (%s): %s" % (
            "**%s**" % fd["rule"] if fd["rule"] in peer_rules else fd["rule"],
            c.origin, fd["line"], where, fd["message"]))
    w("")
    w("### pgspot-paired findings on flagged statements, for a code pgspot does not "
      "expect there (%d)" % len(peer_extra))
    w("")
    for c, fd in peer_extra:
        w("- `%s` line %d: %s: %s" % (c.origin, fd["line"], fd["rule"], fd["message"]))
    w("")
    if other_on_flagged:
        w("Other rules on statements pgspot flags (not judged): %s."
          % ", ".join("%s %d" % kv for kv in sorted(other_on_flagged.items())))
        w("")
    w("### Misses (%d)" % len(misses))
    w("")
    for c, code, line, ctx in misses:
        w("- %s `%s`%s: %s" % (code, c.origin, " line %d" % line if line else "", ctx))
    if unsupported:
        w("")
        w("Options of pgspot's tests pgward has no equivalent of:")
        for u in unsupported:
            w("- " + u)
    paired_safe = sum(1 for _, _, fd in safe_findings if fd["rule"] in peer_rules)
    w("")
    w("Issue 16's goal: every code paired (unpaired now: %s), recall at least 95%% "
      "(now %s), no finding of a paired rule on what pgspot's tests mark safe (now %d, "
      "and %d on statements flagged for another code)."
      % (", ".join(unpaired) or "none", pct(total[1], total[0]), paired_safe,
         len(peer_extra)))
    report = "\n".join(out) + "\n"
    sys.stdout.write(report)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(report)
    return 0


def pgspot_titles(src):
    try:
        text = src.read("src/pgspot/codes.py")
    except (subprocess.CalledProcessError, OSError):
        return {}
    return dict(re.findall(r'"(PS\d{3})": \{\s*"title": "([^"]*)"', text))


if __name__ == "__main__":
    sys.exit(main())
