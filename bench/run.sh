#!/usr/bin/env bash
# bench/run.sh: build a Release pgward and measure it on the PostgreSQL 15
# regression suite (../shared/corpus/pg15-regress), side by side with squawk.
#
#   bench/run.sh [CORPUS_DIR]
#
# 1. Release build in build-bench/ (BENCH_BUILD_DIR), targets pgward and bench_frontend.
# 2. bench_frontend: front-end throughput (scanner + interpreter + libpg_query),
#    best of 5 runs, in memory.
# 3. Wall time of `pgward lint DIR` (one process for all files) with hyperfine when
#    installed (apt-get install hyperfine), else a bash loop with `date +%s.%N`.
# 4. The same for squawk (npm package squawk-cli, installed on demand with
#    `npm install --prefix $BENCH_TOOLS`, default /tmp/pgward-bench-tools; never a
#    dependency of pgward; the native binary it ships is timed, not the node
#    wrapper). Files squawk crashes on are left out of its run, and
#    pgward is timed on the same file list too. Skipped when npm or the package
#    cannot be had, or with BENCH_SQUAWK=0.
#    On that file list pgward runs twice: at its default --jobs and with -j 1.
# 5. Peak memory (max RSS) and wall time of `pgward lint` on a generated 50 MB
#    script of single-row INSERTs (goal: under 256 MB), measured by python3's
#    resource.getrusage; BENCH_BIG_MB sets the size, 0 skips it.
# Prints a table at the end with the commit measured and the ratios the goals are
# stated in: pgward/squawk (best of the runs, both at their default parallelism;
# goal 0.5 or less) and default jobs/-j 1 (goal 1.0 or less).
# BENCH_RUNS (default 10) sets the wall-time runs; BENCH_HYPERFINE=0 uses the bash
# loop even when hyperfine is installed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-${PGWARD_CORPUS:-$ROOT/../shared/corpus/pg15-regress}}
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
TOOLS=${BENCH_TOOLS:-/tmp/pgward-bench-tools}
RUNS=${BENCH_RUNS:-10}
JOBS=${BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ ! -d "$CORPUS" ]; then
    echo "corpus absent: $CORPUS, skipping the benchmark"
    exit 0
fi
CORPUS=$(cd "$CORPUS" && pwd)
shopt -s nullglob
files=("$CORPUS"/*.sql)
if [ ${#files[@]} -eq 0 ]; then
    echo "corpus absent: $CORPUS has no .sql files, skipping the benchmark"
    exit 0
fi
bytes=$(cat "${files[@]}" | wc -c)

echo "== building Release in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target pgward bench_frontend -j "$JOBS" >/dev/null
PGWARD="$BUILD/pgward"
BENCH_FRONTEND="$BUILD/bench/bench_frontend"

echo
echo "== front end in memory: $BENCH_FRONTEND -n 5 $CORPUS"
fe_out=$("$BENCH_FRONTEND" -n 5 "$CORPUS")
echo "$fe_out" | grep -v '^RESULT '
result=$(echo "$fe_out" | grep '^RESULT ' || true)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${result#RESULT}"; }
fe_mbps=$(field mb_per_s)
fe_sps=$(field stmts_per_s)
fe_stmts=$(field statements)

# Wall time of a command (exit status ignored: linters exit 1 on findings).
# Sets MEAN, SD, MIN (seconds).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgward-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wall() {
    local label=$1
    shift
    if [ "${BENCH_HYPERFINE:-1}" != 0 ] && command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style basic --warmup 1 --runs "$RUNS" -i --command-name "$label" \
            --export-csv "$tmp/h.csv" "$(printf '%q ' "$@") >/dev/null 2>&1" >&2
        # command,mean,stddev,median,user,system,min,max
        read -r MEAN SD MIN < <(awk -F, 'NR == 2 { printf "%.4f %.4f %.4f\n", $2, $3, $7 }' "$tmp/h.csv")
    else
        "$@" >/dev/null 2>&1 || true # warm-up
        local times=() i t0 t1
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s.%N)
            "$@" >/dev/null 2>&1 || true
            t1=$(date +%s.%N)
            times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
        done
        read -r MEAN SD MIN < <(printf '%s\n' "${times[@]}" | awk '
            { s += $1; ss += $1 * $1; if (NR == 1 || $1 < m) m = $1 }
            END { mean = s / NR; v = ss / NR - mean * mean; if (v < 0) v = 0;
                  printf "%.4f %.4f %.4f\n", mean, sqrt(v), m }')
        echo "$label: mean ${MEAN}s sd ${SD}s min ${MIN}s over $RUNS runs" >&2
    fi
}

rows=()
row() { # label files seconds-mean sd min bytes
    rows+=("$(printf '%-34s %6s %10s %8s %10s %9s' "$1" "$2" "$3" "$4" "$5" \
        "$(awk -v b="$6" -v t="$5" 'BEGIN { printf "%.2f", b / 1e6 / t }')")")
}

echo
echo "== pgward lint $CORPUS (${#files[@]} files, one process)"
wall "pgward lint DIR" "$PGWARD" lint "$CORPUS"
row "pgward lint DIR" "${#files[@]}" "$MEAN" "$SD" "$MIN" "$bytes"

squawk_note=""
if [ "${BENCH_SQUAWK:-1}" != 0 ]; then
    SQUAWK="$TOOLS/node_modules/.bin/squawk"
    if [ ! -x "$SQUAWK" ] && command -v npm >/dev/null 2>&1; then
        echo
        echo "== installing squawk-cli into $TOOLS (benchmark only)"
        npm install --prefix "$TOOLS" --no-audit --no-fund --silent squawk-cli >/dev/null 2>&1 || true
    fi
    # Time the native binary the npm package ships, not its node wrapper.
    native=$(find "$TOOLS/node_modules/@squawk-cli" -path '*/bin/squawk' -type f 2>/dev/null | head -n1)
    if [ -n "$native" ] && "$native" --version >/dev/null 2>&1; then
        SQUAWK=$native
    fi
    if [ -x "$SQUAWK" ] && "$SQUAWK" --version >/dev/null 2>&1; then
        # squawk exits 0/1 normally; anything else (101 = Rust panic) is a crash
        # and would end its whole run early, so those files are left out.
        ok=()
        crashed=()
        for f in "${files[@]}"; do
            rc=0
            timeout 60 "$SQUAWK" "$f" >/dev/null 2>&1 || rc=$?
            if [ "$rc" -le 1 ]; then ok+=("$f"); else crashed+=("$(basename "$f")"); fi
        done
        ok_bytes=$(cat "${ok[@]}" | wc -c)
        if [ ${#crashed[@]} -gt 0 ]; then
            squawk_note="squawk $("$SQUAWK" --version | awk '{print $2}') crashes on ${#crashed[@]} file(s), left out of both runs on the same list: ${crashed[*]}"
            echo "$squawk_note"
        fi
        echo
        echo "== squawk and pgward on the same ${#ok[@]} files"
        wall "pgward lint FILES" "$PGWARD" lint "${ok[@]}"
        row "pgward lint FILES" "${#ok[@]}" "$MEAN" "$SD" "$MIN" "$ok_bytes"
        PGWARD_MIN=$MIN
        wall "pgward lint -j 1 FILES" "$PGWARD" lint -j 1 "${ok[@]}"
        row "pgward lint -j 1 FILES" "${#ok[@]}" "$MEAN" "$SD" "$MIN" "$ok_bytes"
        J1_MIN=$MIN
        wall "squawk FILES" "$SQUAWK" "${ok[@]}"
        row "squawk $("$SQUAWK" --version | awk '{print $2}') FILES" "${#ok[@]}" "$MEAN" "$SD" "$MIN" "$ok_bytes"
        SQUAWK_MIN=$MIN
    else
        squawk_note="squawk not available (npm install --prefix $TOOLS squawk-cli failed), comparison skipped"
        echo "$squawk_note"
    fi
fi

# Peak memory on a generated script of single-row INSERTs.
BIG_MB=${BENCH_BIG_MB:-50}
big_line=""
if [ "$BIG_MB" != 0 ]; then
    big="$tmp/big.sql"
    echo
    echo "== generating a ${BIG_MB} MB script of single-row INSERTs"
    awk -v limit="$((BIG_MB * 1000000))" 'BEGIN {
        line = "CREATE TABLE IF NOT EXISTS public.t (id bigint PRIMARY KEY, v text);\n"
        printf "%s", line; n = length(line)
        for (k = 0; n < limit; k++) {
            line = sprintf("INSERT INTO public.t (id, v) VALUES (%d, '\''value %d'\'');\n", k, k)
            printf "%s", line; n += length(line)
        }
    }' >"$big"
    big_bytes=$(wc -c <"$big")
    big_stmts=$(wc -l <"$big")
    read -r big_kb big_s < <(python3 - "$PGWARD" "$big" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run([sys.argv[1], "lint", sys.argv[2]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "%.2f" % (time.monotonic() - t0))
PY
)
    big_line="pgward lint of a generated script ($big_bytes bytes, $big_stmts statements): peak RSS $((big_kb / 1024)) MB (goal: under 256 MB), ${big_s}s"
    echo "$big_line"
fi

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit+changes"
fi
echo
echo "== summary (commit $commit, $(nproc) cores, $(uname -m), corpus ${#files[@]} files, $bytes bytes)"
echo "front end in memory (bench_frontend, best of 5): ${fe_mbps} MB/s, ${fe_sps} statements/s, ${fe_stmts} statements"
printf '%-34s %6s %10s %8s %10s %9s\n' "wall time ($RUNS runs)" files "mean s" "sd s" "min s" "MB/s(min)"
printf '%s\n' "${rows[@]}"
if [ -n "${SQUAWK_MIN:-}" ]; then
    awk -v p="$PGWARD_MIN" -v s="$SQUAWK_MIN" -v r="$RUNS" \
        'BEGIN { printf "pgward/squawk, best of %d each: %.2f (goal: 0.50 or less)\n", r, p / s }'
    awk -v p="$PGWARD_MIN" -v j="$J1_MIN" -v r="$RUNS" \
        'BEGIN { printf "pgward default jobs / -j 1, best of %d each: %.2f (goal: 1.00 or less)\n", r, p / j }'
fi
[ -n "$big_line" ] && echo "$big_line"
[ -n "$squawk_note" ] && echo "note: $squawk_note"
exit 0
