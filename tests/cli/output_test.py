#!/usr/bin/env python3
"""Hostile bytes in a script never break an output format (label cli).

Writes scripts whose statements, identifiers and strings hold every byte from 0x01
to 0xff (control characters, ESC sequences, bytes that are not UTF-8, C1 controls,
bidirectional overrides) and a 1 MB line, lints them in every format (and parses
them, as text and JSON), and checks:

  json, sarif, gitlab  stdout is strict UTF-8 and json.loads() reads it
  junit                xml.etree reads it
  text, github         strict UTF-8, no control character but tab and newline, no
                       C1 or bidirectional control; no line longer than 400
                       characters (a snippet is cut around its caret)
  parse text           the same, but lines as long as the statement

  tests/cli/output_test.py build/pgward

Prints one line per failed check; exits 1 when any failed. Python 3 standard
library only.
"""

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HIDDEN = set(range(0x00, 0x09)) | set(range(0x0b, 0x20)) | {0x7f} | set(range(0x80, 0xa0)) \
    | set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a)) | {0x200e, 0x200f, 0x061c}


def scripts():
    every = bytes(b for b in range(1, 256) if b not in (0x0a, 0x27))
    yield "strings.sql", b"SELEC '" + every + b"';\nSELECT '" + every + b"';\n"
    yield "names.sql", (b'CREATE TABLE "t' + every.replace(b'"', b"") + b'" (id int PRIMARY KEY);\n'
                        b'DROP TABLE "\xc2\x9b2J\xe2\x80\xae\xff\x1b[31m";\n')
    yield "utf8.sql", b"SELECT '\xe2\x80\xaeevil\xe2\x80\xac', \xc3\x28, \xed\xa0\x80 FROM;\n"
    yield "long.sql", b"SELECT $$" + b"\x1b[2J" * 200000 + b"\n"


def check_text(name, fmt, out, problems):
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append("%s %s: not UTF-8: %s" % (name, fmt, e))
        return
    for n, line in enumerate(text.split("\n"), 1):
        bad = sorted({hex(ord(c)) for c in line if ord(c) in HIDDEN})
        if bad:
            problems.append("%s %s line %d: raw control characters %s" % (name, fmt, n, bad))
        if len(line) > 400 and fmt != "parse text":
            problems.append("%s %s line %d: %d characters long" % (name, fmt, n, len(line)))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    pgward = os.path.abspath(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory() as d:
        for name, data in scripts():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            for cmd, fmt in [("lint", f) for f in ("text", "json", "sarif", "github",
                                                   "gitlab", "junit")] + \
                    [("parse", "text"), ("parse", "json")]:
                p = subprocess.run([pgward, cmd, "--format", fmt, name], cwd=d,
                                   capture_output=True, timeout=120,
                                   env=dict(os.environ, NO_COLOR="1"))
                fmt = fmt if cmd == "lint" else "parse " + fmt
                if p.returncode not in (0, 1):
                    problems.append("%s %s: exit %d: %s" % (name, fmt, p.returncode,
                                                            p.stderr[-300:]))
                    continue
                if fmt in ("text", "github", "parse text"):
                    check_text(name, fmt, p.stdout, problems)
                    continue
                try:
                    text = p.stdout.decode("utf-8")
                    if fmt == "junit":
                        ET.fromstring(p.stdout)
                    else:
                        json.loads(text)
                except (UnicodeDecodeError, ValueError, ET.ParseError) as e:
                    problems.append("%s %s: does not parse: %s" % (name, fmt, e))
    for p in problems:
        print("FAIL %s" % p)
    print("%s" % ("ok" if not problems else "%d failed" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
