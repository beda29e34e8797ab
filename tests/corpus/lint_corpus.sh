#!/usr/bin/env bash
# lint_corpus.sh: robustness of `pgward lint` on real SQL nobody on this project wrote.
#
#   lint_corpus.sh PGWARD_BINARY [CORPUS_DIR]
#
# Runs `pgward lint --format json FILE` and `pgward lint FILE` (text) on every .sql
# file of CORPUS_DIR (default: ../shared/corpus/pg15-regress beside the repository),
# each under `timeout 60`, and fails a file when a run
#   - is killed by a signal or hangs (timeout),
#   - prints a sanitizer report on stderr (AddressSanitizer, LeakSanitizer, UBSan's
#     "runtime error:"),
#   - exits with anything but 0 (clean) or 1 (findings),
#   - exits 1 without findings (the JSON "findings" array is empty or missing),
#     or prints JSON that does not parse,
#   - exits differently in text and JSON format.
# Prints one line per failing file and a summary "N passed, M failed".
# Exits 0 when all pass, 1 when any fails, 77 (ctest SKIP_RETURN_CODE) when the
# corpus is absent, 2 on bad usage.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PGWARD_BINARY [CORPUS_DIR]" >&2
    exit 2
fi
PGWARD=$1
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=${2:-${PGWARD_CORPUS:-$HERE/../../../shared/corpus/pg15-regress}}
TIMEOUT=${PGWARD_CORPUS_TIMEOUT:-60}

if [ ! -x "$PGWARD" ]; then
    echo "pgward binary not found or not executable: $PGWARD" >&2
    exit 2
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

# How to count the findings of a JSON report: python3, else jq, else a grep.
if command -v python3 >/dev/null 2>&1; then
    count_findings() {
        python3 -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except Exception as e:
    print("invalid JSON: %s" % e); sys.exit(1)
f = doc.get("findings") if isinstance(doc, dict) else None
if not isinstance(f, list):
    print("no \"findings\" array in the JSON report"); sys.exit(1)
print(len(f))' <"$1"
    }
elif command -v jq >/dev/null 2>&1; then
    count_findings() {
        jq -e '.findings | if type == "array" then length else error("no findings array") end' \
            <"$1" 2>/dev/null || { echo "invalid JSON or no \"findings\" array"; return 1; }
    }
else
    count_findings() {
        if ! grep -q '"findings"' "$1"; then
            echo "no \"findings\" array in the JSON report"; return 1
        fi
        if tr -d ' \t\r\n' <"$1" | grep -q '"findings":\[\]'; then echo 0; else echo 1; fi
    }
fi

# Why one run failed, or nothing when it is fine: $1 exit code, $2 stderr file.
run_problem() {
    local rc=$1 err=$2
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "hang: no exit within ${TIMEOUT}s"
    elif grep -q "ERROR: AddressSanitizer" "$err"; then
        echo "crash: $(grep -m1 'ERROR: AddressSanitizer' "$err" | sed 's/^==[0-9]*==//')"
    elif grep -q "ERROR: LeakSanitizer" "$err"; then
        echo "leak: $(grep -m1 -A3 'irect leak of' "$err" | tr '\n' ' ' | cut -c1-200)"
    elif grep -q "runtime error:" "$err"; then
        echo "undefined behaviour: $(grep -m1 'runtime error:' "$err")"
    elif [ "$rc" -gt 128 ]; then
        echo "crash: killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "exit $rc (expected 0 or 1): $(head -c 200 "$err" | tr '\n' ' ')"
    fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgward-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
start=$(date +%s)
for f in "${files[@]}"; do
    name=$(basename "$f")
    problems=()

    timeout -k 5 "$TIMEOUT" "$PGWARD" lint --format json "$f" >"$tmp/out.json" 2>"$tmp/err.json" </dev/null
    rc_json=$?
    p=$(run_problem "$rc_json" "$tmp/err.json")
    [ -n "$p" ] && problems+=("json: $p")
    if [ -z "$p" ]; then
        if n=$(count_findings "$tmp/out.json"); then
            if [ "$rc_json" -eq 1 ] && [ "$n" -eq 0 ]; then
                problems+=("json: exit 1 without findings")
            fi
        else
            problems+=("json: $n")
        fi
    fi

    timeout -k 5 "$TIMEOUT" "$PGWARD" lint "$f" >"$tmp/out.txt" 2>"$tmp/err.txt" </dev/null
    rc_text=$?
    p=$(run_problem "$rc_text" "$tmp/err.txt")
    [ -n "$p" ] && problems+=("text: $p")
    if [ -z "$p" ] && [ "$rc_text" -ne "$rc_json" ]; then
        problems+=("text exits $rc_text but json exits $rc_json")
    fi

    if [ ${#problems[@]} -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        for p in "${problems[@]}"; do
            echo "FAIL $name: $p"
        done
    fi
done

echo "corpus: $CORPUS (${#files[@]} files, $(( $(date +%s) - start ))s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
