#!/usr/bin/env bash
# valgrind_corpus.sh: memory errors and leaks of `pgward lint` on the whole corpus.
#
#   valgrind_corpus.sh PGWARD_BINARY [CORPUS_DIR]
#
# Runs `valgrind --error-exitcode=99 --leak-check=full
# --errors-for-leak-kinds=definite,indirect pgward lint FILE` on every .sql file of
# CORPUS_DIR (default: ../shared/corpus/pg15-regress beside the repository), two
# at a time (VALGRIND_JOBS), and fails a file on any memory error or definite or
# indirect leak, a signal, a hang (VALGRIND_TIMEOUT, default 600 s per file) or an
# exit other than 0 or 1. Prints one line per failing file with valgrind's first
# error, keeps the full logs when something fails (in VALGRIND_LOG_DIR, default a
# fresh folder under /tmp), and ends with "N passed, M failed".
#
# valgrind and ASan do not mix: an ASan-instrumented binary (the Sanitize or fuzz
# build types) is refused with exit 77, ctest's skip code, as is a missing valgrind
# or corpus. Set PGWARD_ASAN=1 to declare the binary instrumented, PGWARD_ASAN=0 to
# skip the detection.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PGWARD_BINARY [CORPUS_DIR]" >&2
    exit 2
fi
PGWARD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${2:-${PGWARD_CORPUS:-$HERE/../../../shared/corpus/pg15-regress}}
JOBS=${VALGRIND_JOBS:-2}
TIMEOUT=${VALGRIND_TIMEOUT:-600}

if [ ! -x "$PGWARD" ]; then
    echo "pgward binary not found or not executable: $PGWARD" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not installed (apt-get install valgrind), skipping"
    exit 77
fi

is_asan() {
    case "${PGWARD_ASAN:-}" in
        1) return 0 ;;
        0) return 1 ;;
    esac
    # gcc links libasan.so dynamically; clang links its runtime statically.
    if ldd "$PGWARD" 2>/dev/null | grep -qE 'lib(asan|ubsan|tsan|msan)'; then
        return 0
    fi
    if command -v nm >/dev/null 2>&1 &&
        nm "$PGWARD" 2>/dev/null | grep -qE ' (__asan_init|__msan_init|__tsan_init)$'; then
        return 0
    fi
    return 1
}
if is_asan; then
    echo "$PGWARD is built with a sanitizer runtime; valgrind cannot run it."
    echo "Use a build without sanitizers, e.g.:"
    echo "  cmake -S . -B /tmp/pgward-valgrind -DCMAKE_BUILD_TYPE=Debug && cmake --build /tmp/pgward-valgrind"
    echo "skipping"
    exit 77
fi
if [ ! -d "$CORPUS" ]; then
    echo "corpus absent: $CORPUS, skipping"
    exit 77
fi
shopt -s nullglob
files=("$CORPUS"/*.sql)
if [ ${#files[@]} -eq 0 ]; then
    echo "corpus absent: $CORPUS has no .sql files, skipping"
    exit 77
fi

LOGS=${VALGRIND_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/pgward-valgrind.XXXXXX")}
mkdir -p "$LOGS"

# One file: prints "ok NAME" or "FAIL NAME: why".
one() {
    local f=$1 name log rc why
    name=$(basename "$f")
    log="$LOGS/$name.valgrind.log"
    timeout -k 10 "$TIMEOUT" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --num-callers=30 --log-file="$log" \
        "$PGWARD" lint "$f" >/dev/null 2>"$log.stderr" </dev/null
    rc=$?
    case $rc in
        0 | 1) echo "ok $name"; return ;;
        99) why="valgrind: $(grep -m1 -E '^==[0-9]+== [A-Z0-9][^=]' "$log" | sed 's/^==[0-9]*== //')" ;;
        124 | 137) why="hang: no exit within ${TIMEOUT}s under valgrind" ;;
        *) if [ "$rc" -gt 128 ]; then
               why="crash: killed by signal $((rc - 128))"
           else
               why="exit $rc (expected 0 or 1): $(head -c 200 "$log.stderr" | tr '\n' ' ')"
           fi ;;
    esac
    echo "FAIL $name: $why (log: $log)"
}
export -f one
export LOGS TIMEOUT PGWARD

start=$(date +%s)
results=$(printf '%s\0' "${files[@]}" | xargs -0 -n1 -P"$JOBS" bash -c 'one "$1"' _)
passed=$(grep -c '^ok ' <<<"$results")
failed=$(grep -c '^FAIL ' <<<"$results")
grep '^FAIL ' <<<"$results" | sort

echo "valgrind corpus: $CORPUS (${#files[@]} files, $JOBS jobs, $(( $(date +%s) - start ))s)"
if [ "$failed" -eq 0 ] && [ -z "${VALGRIND_LOG_DIR:-}" ]; then
    rm -rf "$LOGS"
else
    echo "logs: $LOGS"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -eq ${#files[@]} ]
