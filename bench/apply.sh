#!/usr/bin/env bash
# bench/apply.sh: wall time of `pgward apply` (audit included) against
# `psql -1 -v ON_ERROR_STOP=1 -f` on the same throwaway PostgreSQL 15 server.
#
#   bash bench/apply.sh
#   PGWARD=build/pgward bash bench/apply.sh      # time this binary, build nothing
#
# 1. Release build of pgward in build-bench/ (BENCH_BUILD_DIR), unless PGWARD=path.
# 2. One script of BENCH_STATEMENTS (default 10000) small statements on bench.t:
#    four INSERTs, then an UPDATE ... WHERE id = N of the row inserted just before,
#    and again. It is bundled once (`pgward bundle`, role postgres, unrestricted).
# 3. Under tests/pg/with_pg.sh (its own cluster, stopped and removed afterwards):
#    a template database holds bench.t (empty) and the audit schema (installed by
#    a tiny pgward apply beforehand, so creating it is not timed). Every run, psql's
#    and pgward's alike, gets a fresh database copied from it (createdb -T, CHECKPOINT,
#    not timed) and pgward a fresh journal file (PGWARD_JOURNAL).
# 4. One untimed warm-up each, then BENCH_RUNS (default 5) timed runs each,
#    alternating psql and pgward; timed with `date +%s.%N` around the process.
#    Every run must exit 0 and leave the expected table (row count, updated rows
#    and an md5 of the content equal to psql's); pgward's also a committed run in
#    audit.runs with one audit.statements row per statement. Any failure: exit 1.
# Prints each time, the medians and the ratio pgward/psql, with the commit and the
# load average before the runs. Exit 0 whatever the ratio: this is a measurement,
# not a test.
#
# BENCH_BUSY=N keeps N processes spinning on the CPU during the runs (0 by
# default), to see the ratio on a machine where other work takes a core: the
# ratio depends on it (bench/README.md says why).
#
# hyperfine is not used: every run needs its own database prepared and its result
# checked, and a run lasts about half a second, so the ~1 ms of `date` is noise.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/bench/apply.sh"

if [ "${1:-}" != "--inner" ]; then
    BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
    JOBS=${BENCH_JOBS:-$(nproc 2>/dev/null || echo 2)}
    N=${BENCH_STATEMENTS:-10000}
    case $N in '' | *[!0-9]*) echo "apply.sh: BENCH_STATEMENTS must be a number" >&2; exit 2 ;; esac
    [ "$N" -ge 5 ] || { echo "apply.sh: BENCH_STATEMENTS must be at least 5" >&2; exit 2; }

    if [ -n "${PGWARD:-}" ]; then
        PGWARD=$(cd "$(dirname "$PGWARD")" && pwd)/$(basename "$PGWARD")
        [ -x "$PGWARD" ] || { echo "apply.sh: PGWARD=$PGWARD is not executable" >&2; exit 2; }
    else
        echo "== building Release in $BUILD"
        cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
        cmake --build "$BUILD" --target pgward -j "$JOBS" >/dev/null
        PGWARD="$BUILD/pgward"
    fi

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgward-bench-apply.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/src"

    # The workload: k = 1..N; every fifth statement updates the row inserted just before.
    awk -v n="$N" 'BEGIN {
        for (k = 1; k <= n; k++)
            if (k % 5 == 0)
                printf "UPDATE bench.t SET v = '\''updated %d'\'' WHERE id = %d;\n", k, k - 1
            else
                printf "INSERT INTO bench.t (id, v) VALUES (%d, '\''value %d'\'');\n", k, k
    }' >"$tmp/src/statements.sql"
    echo "SELECT 1;" >"$tmp/src/install_audit.sql"
    cat >"$tmp/pgward.policy" <<'EOF'
role postgres {
    unrestricted;
    grant all on schema bench;
}
default role postgres;
EOF

    echo "== bundling $N statements ($(wc -c <"$tmp/src/statements.sql") bytes) with $PGWARD"
    t0=$(date +%s.%N)
    if ! (cd "$tmp" && "$PGWARD" bundle --policy pgward.policy --role postgres \
        -o statements.bundle src/statements.sql) >"$tmp/bundle.log" 2>&1; then
        cat "$tmp/bundle.log" >&2
        echo "apply.sh: pgward bundle failed" >&2
        exit 1
    fi
    t1=$(date +%s.%N)
    BUNDLE_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    (cd "$tmp" && "$PGWARD" bundle --policy pgward.policy --role postgres \
        -o install_audit.bundle src/install_audit.sql) >"$tmp/bundle.log" 2>&1 ||
        { cat "$tmp/bundle.log" >&2; echo "apply.sh: pgward bundle failed" >&2; exit 1; }

    export PGWARD N BUNDLE_SECONDS
    export BENCH_TMP=$tmp
    status=0
    "$ROOT/tests/pg/with_pg.sh" bash "$SELF" --inner || status=$?
    exit "$status"
fi

# ---------------------------------------------------------------- inside the cluster
if [ -z "${BENCH_TMP:-}" ] || [ -z "${PGWARD:-}" ]; then
    echo "apply.sh: --inner is internal (run bash bench/apply.sh)" >&2
    exit 2
fi
RUNS=${BENCH_RUNS:-5}
case $RUNS in '' | *[!0-9]* | 0) echo "apply.sh: BENCH_RUNS must be a positive number" >&2; exit 2 ;; esac
tmp=$BENCH_TMP
TEMPLATE=bench_template
STATEMENTS=$tmp/src/statements.sql
BUNDLE=$tmp/statements.bundle
EXPECT_ROWS=$((N - N / 5))
EXPECT_UPDATED=$((N / 5))

fail() {
    echo "apply.sh: $*" >&2
    exit 1
}

q() { # q DB SQL: one value
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

q postgres "CREATE DATABASE $TEMPLATE" >/dev/null
q "$TEMPLATE" "CREATE SCHEMA bench; CREATE TABLE bench.t (id integer PRIMARY KEY, v text NOT NULL)" >/dev/null
# The audit schema as pgward installs it on first use; every copy starts with it.
PGDATABASE=$TEMPLATE PGWARD_JOURNAL=$tmp/journal-install.jsonl \
    "$PGWARD" apply "$tmp/install_audit.bundle" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "installing the audit schema with pgward apply failed"; }
INSTALL_RUN=$(q "$TEMPLATE" "SELECT id FROM audit.runs")

# fresh DB: a new database copied from the template, the server checkpointed.
fresh() {
    createdb -T "$TEMPLATE" "$1" || fail "createdb $1 failed"
    q postgres "CHECKPOINT" >/dev/null
}

REF_MD5=""
# check TOOL DB LOG: the run left the expected table (and audit trail for pgward).
check() {
    local tool=$1 db=$2 log=$3 rows updated md5
    read -r rows updated md5 < <(q "$db" "SELECT count(*), count(*) FILTER (WHERE v LIKE 'updated %'),
        md5(coalesce(string_agg(id || ':' || v, ',' ORDER BY id), '')) FROM bench.t" | tr '|' ' ')
    if [ "$rows" != "$EXPECT_ROWS" ] || [ "$updated" != "$EXPECT_UPDATED" ]; then
        cat "$log" >&2
        fail "$tool left $rows rows ($updated updated) in bench.t, expected $EXPECT_ROWS ($EXPECT_UPDATED updated)"
    fi
    if [ -z "$REF_MD5" ]; then
        REF_MD5=$md5
    elif [ "$md5" != "$REF_MD5" ]; then
        fail "$tool left different table content (md5 $md5, psql's $REF_MD5)"
    fi
    if [ "$tool" = pgward ]; then
        local audit
        audit=$(q "$db" "SELECT string_agg(r.status || ' ' || (SELECT count(*) FROM audit.statements s
            WHERE s.run_id = r.id AND s.status = 'ok'), ',') FROM audit.runs r
            WHERE r.id <> '$INSTALL_RUN'")
        [ "$audit" = "committed $N" ] ||
            { cat "$log" >&2; fail "pgward's audit trail: '$audit', expected 'committed $N'"; }
    fi
}

# run TOOL I: one run in a fresh database; sets SECONDS_TAKEN.
run() {
    local tool=$1 i=$2 db="bench_${1}_$2" log="$tmp/$1-$2.log" rc=0 t0 t1
    fresh "$db"
    if [ "$tool" = psql ]; then
        t0=$(date +%s.%N)
        psql -X -1 -v ON_ERROR_STOP=1 -d "$db" -f "$STATEMENTS" >/dev/null 2>"$log" || rc=$?
        t1=$(date +%s.%N)
    else
        local journal="$tmp/journal-$i.jsonl"
        rm -f "$journal"
        t0=$(date +%s.%N)
        PGDATABASE=$db PGWARD_JOURNAL=$journal "$PGWARD" apply "$BUNDLE" >"$log" 2>&1 || rc=$?
        t1=$(date +%s.%N)
    fi
    if [ "$rc" != 0 ]; then
        cat "$log" >&2
        if [ "$tool" = psql ]; then
            fail "psql -X -1 -v ON_ERROR_STOP=1 -d $db -f $STATEMENTS: exit $rc"
        fi
        fail "PGDATABASE=$db PGWARD_JOURNAL=$tmp/journal-$i.jsonl $PGWARD apply $BUNDLE: exit $rc"
    fi
    check "$tool" "$db" "$log"
    q postgres "DROP DATABASE $db" >/dev/null
    SECONDS_TAKEN=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

BUSY=${BENCH_BUSY:-0}
case $BUSY in '' | *[!0-9]*) echo "apply.sh: BENCH_BUSY must be a number" >&2; exit 2 ;; esac
busy_pids=()
stop_busy() { [ ${#busy_pids[@]} -eq 0 ] || kill "${busy_pids[@]}" 2>/dev/null || true; }
trap stop_busy EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
for ((b = 0; b < BUSY; b++)); do
    bash -c 'while :; do :; done' &
    busy_pids+=($!)
done

server=$(q postgres "SHOW server_version" | awk '{ print $1 }')
echo "== PostgreSQL $server (throwaway cluster, fsync off), $N statements, $RUNS runs each"
echo "warm-up (not timed)"
run psql 0
run pgward 0
psql_times=()
pgward_times=()
for ((i = 1; i <= RUNS; i++)); do
    run psql "$i"
    psql_times+=("$SECONDS_TAKEN")
    run pgward "$i"
    pgward_times+=("$SECONDS_TAKEN")
    printf 'run %d: psql %ss, pgward %ss\n' "$i" "${psql_times[-1]}" "${pgward_times[-1]}"
done

psql_med=$(median "${psql_times[@]}")
pgward_med=$(median "${pgward_times[@]}")
ratio=$(awk -v a="$pgward_med" -v b="$psql_med" 'BEGIN { printf "%.2f", a / b }')
per_stmt() { awk -v t="$1" -v n="$N" 'BEGIN { printf "%.1f", t / n * 1e6 }'; }

echo
stop_busy
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit+changes"
fi
echo "== summary (commit $commit, $(nproc) cores, $(uname -m), PostgreSQL $server, $N statements, median of $RUNS)"
echo "load average before the runs: $LOAD_BEFORE; processes kept spinning during them: $BUSY"
printf '%-44s %-40s %9s %8s\n' "command" "runs (s)" "median s" "us/stmt"
printf '%-44s %-40s %9s %8s\n' "psql -1 -v ON_ERROR_STOP=1 -f FILE" "${psql_times[*]}" \
    "$psql_med" "$(per_stmt "$psql_med")"
printf '%-44s %-40s %9s %8s\n' "pgward apply BUNDLE (audit included)" "${pgward_times[*]}" \
    "$pgward_med" "$(per_stmt "$pgward_med")"
echo "ratio pgward/psql (medians): $ratio (goal: 1.00 or less)"
echo "pgward bundle of the same file (once, not compared): ${BUNDLE_SECONDS}s"
exit 0
