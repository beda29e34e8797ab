#!/usr/bin/env python3
"""tests/cli/memory_test.py PGWARD BUILD_TYPE: pgward lint in bounded memory.

1. A 20 MB script of single-row INSERTs (850,000 statements at 50 MB) is linted
   as a stream: the peak resident memory stays under 96 MB (the script itself is
   20 MB; before streaming, every parse tree was kept: over 1 GB).
2. Out of memory is one clear line and exit 2, never an abort: one statement whose
   parse tree needs far more than the address space allowed (300,000 constants).

Skips (exit 77) under sanitizers, which reserve address space of their own.
"""
import os
import resource
import subprocess
import sys
import tempfile

pgward, build_type = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
if build_type == "Sanitize":
    print("skipped: sanitizers reserve address space of their own")
    sys.exit(77)

fails = 0
with tempfile.TemporaryDirectory(prefix="pgward-memory-") as tmp:
    big = os.path.join(tmp, "big.sql")
    with open(big, "w") as f:
        f.write("CREATE TABLE IF NOT EXISTS public.t (id bigint PRIMARY KEY, v text);\n")
        size, i = 0, 0
        while size < 20 << 20:
            line = "INSERT INTO public.t (id, v) VALUES (%d, 'value %d');\n" % (i, i)
            f.write(line)
            size += len(line)
            i += 1
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run([pgward, "lint", big], capture_output=True, text=True, timeout=600)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    if r.returncode != 0 or "%d statements" % (i + 1) not in summary:
        print("FAIL stream: exit %d, %r, stderr %r" % (r.returncode, summary, r.stderr[-300:]))
        fails += 1
    elif peak_kb > 96 * 1024 or peak_kb < before:
        print("FAIL stream: peak %d KB for a 20 MB script (limit 96 MB)" % peak_kb)
        fails += 1
    else:
        print("ok stream: %d statements, peak %d KB" % (i + 1, peak_kb))

    wide = os.path.join(tmp, "wide.sql")
    with open(wide, "w") as f:
        f.write("SELECT 1 WHERE 1 IN (%s);\n" % ",".join(str(n) for n in range(300000)))

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (160 << 20, 160 << 20))

    r = subprocess.run([pgward, "lint", "-j", "1", wide], capture_output=True, text=True,
                       timeout=600, preexec_fn=limit)
    if r.returncode != 2 or r.stderr != "pgward: out of memory\n":
        print("FAIL oom: exit %d, stderr %r" % (r.returncode, r.stderr[-300:]))
        fails += 1
    else:
        print("ok oom: exit 2, one line")
sys.exit(1 if fails else 0)
