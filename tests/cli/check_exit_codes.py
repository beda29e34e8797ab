#!/usr/bin/env python3
"""docs/exit-codes.md, the --help texts and the golden cases say the same (label cli).

  tests/cli/check_exit_codes.py PGWARD DOCS/EXIT-CODES.MD CASES_DIR

Checks that
  - each command's `exit status:` lines in --help equal the doc's line for it
    (section "What each command's --help says"), and no command lacks one;
  - the codes a command's --help names are exactly the codes of the table rows that
    name that command (or "all"), so a code cannot be added to one without the other;
  - every row names a test: a golden case (its expected_exit is the row's code) or
    a test script that exists ("none: why" is allowed, and reported).

Prints one line per problem; exits 1 when there is any. Python 3 standard library.
"""

import os
import re
import subprocess
import sys

# The commands and subcommands with their own --help, as the doc names them.
HELPS = ["lint", "parse", "bundle", "bundle verify", "apply", "approve", "audit", "verify",
         "stage", "keygen", "policy", "rules"]


def help_exit_line(pgward, cmd):
    p = subprocess.run([pgward] + cmd.split() + ["--help"], capture_output=True, text=True,
                       timeout=60)
    text = p.stdout
    i = text.find("exit status:")
    if p.returncode != 0 or i < 0:
        return None
    return " ".join(text[i:].split())


def codes_of(line):
    """The exit codes an `exit status:` line names: '0 ok, 1 ..., 130/143 ...'."""
    codes = set()
    for m in re.finditer(r"(?:exit status:|,)\s+(\d+(?:/\d+)?)\s", line):
        codes.add(m.group(1))
    return codes


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    pgward, doc_path, cases = sys.argv[1:]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(doc_path)))
    doc = open(doc_path, encoding="utf-8").read()
    problems = []

    documented = {}
    for m in re.finditer(r"^- `pgward ([a-z ]+) --help`: (exit status: .*)$", doc, re.M):
        documented[m.group(1)] = " ".join(m.group(2).split())
    rows = []
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not line.startswith("| ") or cells[0] in ("commands", "---"):
            continue
        cmds = re.findall(r"`([a-z ]+)`", cells[0]) if cells[0] != "all" else ["all"]
        rows.append((cmds, cells[1], cells[2], cells[4]))
    if len(rows) < 10:
        problems.append("%s: the table has %d rows; expected the fault table" % (doc_path,
                                                                              len(rows)))

    for cmd in HELPS:
        line = help_exit_line(pgward, cmd)
        if line is None:
            problems.append("pgward %s --help has no 'exit status:' line" % cmd)
            continue
        if documented.get(cmd) != line:
            problems.append("pgward %s --help says\n    %s\n  the doc says\n    %s" % (
                cmd, line, documented.get(cmd, "(nothing)")))
        # "bundle verify" rows name `bundle verify`; `audit sync` etc. count for audit
        base = cmd
        want = set()
        for cmds, _, code, _ in rows:
            for c in cmds:
                if c == "all" or c == base or (base != "bundle" and c.split()[0] == base) \
                        or (base == "bundle" and c == "bundle"):
                    want.add(code)
        if base == "bundle":  # bundle's --help covers bundle verify too
            for cmds, _, code, _ in rows:
                if "bundle verify" in cmds:
                    want.add(code)
        have = codes_of(line)
        if have != want:
            problems.append("pgward %s: --help names codes %s, the table's rows %s" % (
                cmd, sorted(have), sorted(want)))

    for cmds, fault, code, tests in rows:
        if tests.startswith("none"):
            print("note: no test for %s: %s" % (fault[:60], tests))
            continue
        named = [t.strip() for t in tests.split(",") if t.strip()]
        if not named:
            problems.append("row '%s' names no test" % fault[:60])
        for t in named:
            t = t.strip("`")
            if "/" in t:
                if not os.path.isfile(os.path.join(repo, t)):
                    problems.append("row '%s': no test %s" % (fault[:60], t))
                continue
            exit_file = os.path.join(cases, t, "expected_exit")
            if not os.path.isfile(exit_file):
                problems.append("row '%s': no golden case %s" % (fault[:60], t))
                continue
            got = open(exit_file).read().strip()
            if got not in code.split("/"):
                problems.append("row '%s': case %s exits %s, the row says %s" % (
                    fault[:60], t, got, code))

    for p in problems:
        print("FAIL %s" % p)
    print("ok" if not problems else "%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
