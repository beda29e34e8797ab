#!/usr/bin/env python3
"""tests/rules/check_rule_docs.py: the rule docs and the code cannot drift apart.

    check_rule_docs.py --pgward PGWARD --repo REPO [--allow-missing]

For the rules `pgward rules --format json` lists and the docs REPO/rules/<id>.md
(every *.md there but POLICY.md) it checks:

  (a) every rule has a doc and every doc names a rule (--allow-missing: a rule
      without a doc is only a warning; a doc without a rule always fails);
  (b) each doc follows the format (see docs/commands/pgward-rules.md, "Rules and their docs"): the
      title is the id, the summary line is the registry's summary, the severity
      line matches the registry, the sections are Why, Bad, Good, How to fix in
      that order, with exactly one ```sql block under Bad and one under Good;
  (c) the Bad example, linted as bad.sql (`pgward lint --format json`, plus the
      options of the doc's `<!-- lint: OPTIONS -->` line, run from REPO so the
      option paths are relative to it), reports the rule; the Good example, linted
      the same way as good.sql, does not;
  (d) `pgward rules <id>` prints the doc exactly;
  (e) a doc's optional Peers line (after the severity line, before the sections)
      has the form `Peers: pgspot PS016, PS017 (note); squawk rule-a, rule-b.`
      (either side may be `pgspot: none` / `squawk: none`; a note in parentheses
      may follow each side's list), names only pgspot codes that exist (PS001 to
      PS018), and nothing twice; over all docs, every pgspot code must be named by
      some Peers line except those in PGSPOT_NOT_YET_PAIRED. bench/pgspot.py pairs
      pgspot's findings with pgward's rules through these lines. The Peers parser
      checks itself on fixed examples first (peers_self_test).

One line per doc (ok, or FAIL and why), then a summary; exit 1 on any failure.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SECTIONS = ["Why", "Bad", "Good", "How to fix"]

# input-error is about the file, not its text: no script content makes a file
# unreadable, so its Bad example cannot be linted into the finding. Its doc shows
# the report in SQL comments instead; the Good example is still linted (it must not
# report input-error), and the format and `pgward rules input-error` still checked.
SKIP_BAD_LINT = {"input-error": "no script text makes a file unreadable"}

LINT_RE = re.compile(r"^<!-- lint: (.*) -->$")

# The Peers line: which checks of pgspot (timescale/pgspot, codes PSnnn) and squawk
# (rule names) this rule is the pgward side of. Format in the module docstring, (e).
PEERS_RE = re.compile(
    r"^Peers: pgspot(?:: none| (PS\d{3}(?:, PS\d{3})*)(?: \(([^()]+)\))?); "
    r"squawk(?:: none| ([a-z][a-z0-9-]*(?:, [a-z][a-z0-9-]*)*)(?: \(([^()]+)\))?)\.$")
# pgspot's codes (its src/pgspot/codes.py).
PGSPOT_CODES = {"PS%03d" % i for i in range(1, 19)}
# Codes no rule claims yet: shrink this as rules are added (issue 16 wants it empty).
# PS008 (unqualified ALTER SEQUENCE) is documented by pgspot as never reported.
PGSPOT_NOT_YET_PAIRED = set()


def run(cmd, cwd=None):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def load_registry(pgward):
    p = run([pgward, "rules", "--format", "json"])
    if p.returncode != 0:
        sys.exit("pgward rules --format json failed (exit %d): %s"
                 % (p.returncode, p.stderr.decode(errors="replace").strip()))
    rules = json.loads(p.stdout)
    return {r["id"]: r for r in rules}


def severity_line(rule):
    opt = "opt-in, " if rule["opt_in"] else ""
    return "Default severity: %s (%sgroup: %s)." % (rule["severity"], opt, rule["group"])


def parse_peers(line):
    """(pgspot codes, squawk rules, problems) of a Peers line."""
    m = PEERS_RE.match(line)
    if not m:
        return [], [], ["Peers line %r is not 'Peers: pgspot PSnnn[, PSnnn] [(note)]; "
                        "squawk NAME[, NAME] [(note)].' (or 'pgspot: none' / "
                        "'squawk: none')" % line]
    codes = m.group(1).split(", ") if m.group(1) else []
    squawk = m.group(3).split(", ") if m.group(3) else []
    problems = ["Peers line names %s, which is not a pgspot code (PS001 to PS018)" % c
                for c in codes if c not in PGSPOT_CODES]
    for name, items in (("pgspot code", codes), ("squawk rule", squawk)):
        dup = sorted({x for x in items if items.count(x) > 1})
        if dup:
            problems.append("Peers line names the %s %s twice" % (name, ", ".join(dup)))
    return codes, squawk, problems


def peers_self_test():
    """The Peers parser on fixed lines: a broken parser must not pass every doc."""
    cases = [
        ("Peers: pgspot PS016, PS017 (extension scripts); squawk: none.",
         ["PS016", "PS017"], [], 0),
        ("Peers: pgspot: none; squawk ban-drop-column, renaming-table.",
         [], ["ban-drop-column", "renaming-table"], 0),
        ("Peers: pgspot PS002; squawk prefer-robust-stmts (opposite advice).",
         ["PS002"], ["prefer-robust-stmts"], 0),
        ("Peers: pgspot PS019; squawk: none.", ["PS019"], [], 1),
        ("Peers: pgspot PS003, PS003; squawk: none.", ["PS003", "PS003"], [], 1),
        ("Peers: pgspot PS3; squawk: none.", [], [], 1),
        ("Peers: squawk: none; pgspot: none.", [], [], 1),
        ("Peers: pgspot: none; squawk: none", [], [], 1),
        ("Peers: pgspot PS001 squawk: none.", [], [], 1),
    ]
    for line, codes, squawk, nproblems in cases:
        got = parse_peers(line)
        if (got[0], got[1], len(got[2])) != (codes, squawk, nproblems):
            sys.exit("peers_self_test: parse_peers(%r) gave %r" % (line, got))


def parse_doc(rule_id, rule, text, peers=None):
    """Checks the format; returns (problems, lint_options, bad_sql, good_sql).
    The pgspot codes of the doc's Peers line are added to peers (a set), if given."""
    problems = []
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("the file must end with exactly one newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    def line(i):
        return lines[i] if i < len(lines) else None

    if line(0) != "# " + rule_id:
        problems.append("title %r, expected %r" % (line(0), "# " + rule_id))
    if line(1) != "":
        problems.append("line 2 must be empty")
    if line(2) != rule["summary"]:
        problems.append("summary %r differs from the registry's %r" % (line(2), rule["summary"]))
    if line(3) != "":
        problems.append("line 4 must be empty")
    if line(4) != severity_line(rule):
        problems.append("severity line %r, expected %r" % (line(4), severity_line(rule)))

    # Between the severity line and the first section: blank lines, at most one
    # Peers line (first, after at most one blank line) and at most one
    # <!-- lint: OPTIONS --> line.
    options = []
    i = 5
    nlint = 0
    while i < len(lines) and not lines[i].startswith("## "):
        m = LINT_RE.match(lines[i])
        if lines[i].startswith("Peers:"):
            if i > 6 or (i == 6 and lines[5] != ""):
                problems.append("the Peers line must follow the severity line "
                                "(at most one blank line between)")
            codes, _, peer_problems = parse_peers(lines[i])
            problems += peer_problems
            if peers is not None:
                peers.update(codes)
        elif m:
            nlint += 1
            try:
                options = shlex.split(m.group(1))
            except ValueError as e:
                problems.append("bad lint options %r: %s" % (m.group(1), e))
        elif lines[i].strip() != "":
            problems.append("unexpected text before '## Why': %r" % lines[i])
        i += 1
    if nlint > 1:
        problems.append("more than one <!-- lint: --> line")

    # Sections, with the code blocks of each (headings inside fences do not count).
    sections = []  # [name, body lines, blocks [(lang, code)]]
    fence = None
    block = []
    for ln in lines[i:]:
        if fence is not None:
            if ln.strip() == "```":
                sections[-1][2].append((fence, "".join(x + "\n" for x in block)))
                fence = None
            else:
                block.append(ln)
            continue
        if ln.startswith("## "):
            sections.append([ln[3:], [], []])
            continue
        if ln.startswith("```"):
            if not sections:
                problems.append("code block before the first section")
                sections.append(["?", [], []])
            fence = ln[3:].strip()
            block = []
            continue
        if sections:
            sections[-1][1].append(ln)
    if fence is not None:
        problems.append("unclosed code block")

    names = [s[0] for s in sections]
    if names != SECTIONS:
        problems.append("sections %s, expected %s" % (names, SECTIONS))
    bad = good = None
    for name, body, blocks in sections:
        if name in ("Why", "How to fix"):
            if not any(b.strip() for b in body) and not blocks:
                problems.append("section '%s' is empty" % name)
        elif name in ("Bad", "Good"):
            if len(blocks) != 1 or blocks[0][0] != "sql":
                problems.append("section '%s' must hold exactly one ```sql block (found %s)"
                                % (name, [b[0] or "plain" for b in blocks]))
            elif not blocks[0][1].strip():
                problems.append("the %s example is empty" % name)
            elif name == "Bad":
                bad = blocks[0][1]
            else:
                good = blocks[0][1]
    return problems, options, bad, good


def lint_rules(pgward, repo, options, sql, name):
    """The rule ids `pgward lint` reports on sql (as file name), or an error text."""
    with tempfile.TemporaryDirectory(prefix="pgward-rule-doc-") as tmp:
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(sql)
        p = run([pgward, "lint", "--format", "json"] + options + [path], cwd=repo)
    try:
        doc = json.loads(p.stdout)
        return {f["rule"] for f in doc["findings"]}, None
    except (ValueError, KeyError, TypeError):
        return None, "pgward lint %s exited %d: %s" % (
            " ".join(options + [name]), p.returncode,
            (p.stderr or p.stdout).decode(errors="replace").strip())


def check_doc(pgward, repo, rule_id, rule, path, peers):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["not UTF-8: %s" % e]
    problems, options, bad, good = parse_doc(rule_id, rule, text, peers)

    if bad is not None:
        if rule_id in SKIP_BAD_LINT:
            pass  # see SKIP_BAD_LINT
        else:
            found, err = lint_rules(pgward, repo, options, bad, "bad.sql")
            if err:
                problems.append("Bad example: " + err)
            elif rule_id not in found:
                problems.append("Bad example does not report %s (reported: %s)"
                                % (rule_id, ", ".join(sorted(found)) or "nothing"))
    if good is not None:
        found, err = lint_rules(pgward, repo, options, good, "good.sql")
        if err:
            problems.append("Good example: " + err)
        elif rule_id in found:
            problems.append("Good example reports %s" % rule_id)

    p = run([pgward, "rules", rule_id])
    if p.returncode != 0:
        problems.append("pgward rules %s exited %d: %s"
                        % (rule_id, p.returncode, p.stderr.decode(errors="replace").strip()))
    elif p.stdout != raw:
        problems.append("pgward rules %s does not print the doc exactly (rebuild pgward?)"
                        % rule_id)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pgward", required=True, help="the pgward binary")
    ap.add_argument("--repo", required=True, help="the repository root")
    ap.add_argument("--allow-missing", action="store_true",
                    help="a rule without a doc is a warning, not a failure")
    args = ap.parse_args()
    pgward = os.path.abspath(args.pgward)
    repo = os.path.abspath(args.repo)
    rules_dir = os.path.join(repo, "rules")

    peers_self_test()
    registry = load_registry(pgward)
    docs = sorted(f[:-3] for f in os.listdir(rules_dir)
                  if f.endswith(".md") and f != "POLICY.md")

    bad_docs = 0
    peers = set()
    for rule_id in docs:
        rule = registry.get(rule_id)
        if rule is None:
            print("FAIL %s: rules/%s.md documents a rule pgward does not have"
                  % (rule_id, rule_id))
            bad_docs += 1
            continue
        problems = check_doc(pgward, repo, rule_id, rule,
                             os.path.join(rules_dir, rule_id + ".md"), peers)
        if problems:
            bad_docs += 1
            print("FAIL %s: %s" % (rule_id, "; ".join(problems)))
        else:
            note = " (Bad example not linted: %s)" % SKIP_BAD_LINT[rule_id] \
                if rule_id in SKIP_BAD_LINT else ""
            print("ok   %s%s" % (rule_id, note))

    missing = sorted(set(registry) - set(docs))
    for rule_id in missing:
        print("%s %s: no doc rules/%s.md"
              % ("warn" if args.allow_missing else "FAIL", rule_id, rule_id))

    unpaired = sorted(PGSPOT_CODES - peers - PGSPOT_NOT_YET_PAIRED)
    if unpaired:
        print("FAIL pgspot codes no rule doc's Peers line names: %s (name them, or add "
              "them to PGSPOT_NOT_YET_PAIRED in %s)"
              % (", ".join(unpaired), os.path.basename(__file__)))
    stale = sorted(PGSPOT_NOT_YET_PAIRED & peers)
    if stale:
        print("note: %s now named by a Peers line: remove from PGSPOT_NOT_YET_PAIRED"
              % ", ".join(stale))
    print("%d docs: %d ok, %d failed; %d rules: %d without a doc%s"
          % (len(docs), len(docs) - bad_docs, bad_docs, len(registry), len(missing),
             " (allowed by --allow-missing)" if args.allow_missing and missing else ""))
    failed = bad_docs + len(unpaired) + (0 if args.allow_missing else len(missing))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
