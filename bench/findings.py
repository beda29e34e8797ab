#!/usr/bin/env python3
"""bench/findings.py: what pgward reports on real migration sets, rule by rule.

    bench/findings.py [--corpus DIR] [--sample N] [--seed S] PGWARD [PGWARD ...]

For each PGWARD binary (e.g. a build of an older commit and the current one) it
runs `pgward lint --format json` on every set (sub-folder) of the corpus
(default ../shared/corpus/real-migrations) and prints a Markdown table of findings
per rule and set, then per binary the total and the files it read. With
--sample N it prints N findings of the LAST binary, drawn with a fixed seed
(default 14) from all sets, each with its file, line, rule, message and source
line: the sample bench/README.md classifies by hand (true / false / noise).

Exits 77 (skipped) when the corpus is absent. Python 3 standard library only.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys


def lint(pgward, folder):
    p = subprocess.run([pgward, "lint", "--format", "json", folder],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, NO_COLOR="1"))
    if p.returncode not in (0, 1):
        sys.exit("%s lint %s: exit %d: %s" % (pgward, folder, p.returncode,
                                              p.stderr.decode(errors="replace")))
    return json.loads(p.stdout)["findings"]


def source_line(path, line):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for i, text in enumerate(f, 1):
                if i == line:
                    return text.rstrip("\n")
    except OSError:
        pass
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus",
        "real-migrations"))
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("pgward", nargs="+")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print("skipped: no corpus at %s" % a.corpus)
        return 77
    sets = sorted(d for d in os.listdir(a.corpus)
                  if os.path.isdir(os.path.join(a.corpus, d)))
    nfiles = {s: sum(1 for f in os.listdir(os.path.join(a.corpus, s)) if f.endswith(".sql"))
              for s in sets}
    results = []  # per binary: {set: findings}
    for binary in a.pgward:
        results.append({s: lint(binary, os.path.join(a.corpus, s)) for s in sets})

    rules = sorted({f["rule"] for r in results for fs in r.values() for f in fs})
    counts = [{s: collections.Counter(f["rule"] for f in r[s]) for s in sets} for r in results]
    # one column per set and a total; with several binaries a cell is "n1 → n2 ..."
    def cell(values):
        return " → ".join(str(v) for v in values)
    print("| rule | " + " | ".join(sets) + " | total |")
    print("|" + " --- |" * (len(sets) + 2))
    for rule in rules:
        row = [rule] + [cell([c[s][rule] for c in counts]) for s in sets]
        row.append(cell([sum(c[s][rule] for s in sets) for c in counts]))
        print("| " + " | ".join(row) + " |")
    row = ["**all**"] + ["**%s**" % cell([sum(c[s].values()) for c in counts]) for s in sets]
    row.append("**%s**" % cell([sum(sum(c[s].values()) for s in sets) for c in counts]))
    print("| " + " | ".join(row) + " |")
    print()
    for i, binary in enumerate(a.pgward):
        print("#%d = %s: %s" % (i + 1, binary, ", ".join(
            "%s %d files" % (s, nfiles[s]) for s in sets)))

    if a.sample:
        pool = [f for s in sets for f in results[-1][s]]
        pool.sort(key=lambda f: (f["file"], f["line"], f["column"], f["rule"]))
        rng = random.Random(a.seed)
        picked = sorted(rng.sample(pool, min(a.sample, len(pool))),
                        key=lambda f: (f["file"], f["line"], f["rule"]))
        print()
        for n, f in enumerate(picked, 1):
            rel = os.path.relpath(f["file"], a.corpus)
            print("%2d. %s:%d [%s] %s" % (n, rel, f["line"], f["rule"], f["message"]))
            print("      | %s" % source_line(f["file"], f["line"]).strip()[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
