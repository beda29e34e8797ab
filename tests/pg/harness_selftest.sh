#!/usr/bin/env bash
# harness_selftest.sh: checks that with_pg.sh always stops and removes its cluster:
# on success, on a failing command (status passed through), on SIGTERM to with_pg.sh
# and on SIGKILL to with_pg.sh (the watchdog's job); and that --log-statements logs
# every statement as jsonlog. Prints "N passed, M failed".
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the inner shell
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
with_pg=$here/with_pg.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# A process is gone when it does not exist or is a zombie waiting to be reaped.
proc_gone() {
    local state
    [ -r "/proc/$1/stat" ] || return 0
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

# Bounded wait (30 s) for something that happens asynchronously (the watchdog).
eventually() {
    local _
    for _ in $(seq 1 300); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

cluster_gone() { # dir pid
    [ ! -e "$1" ] && proc_gone "$2"
}

# The command reports the cluster's folder, the postmaster's pid and its own pid on a fifo
# (so the test knows the cluster is up without waiting for a fixed time), then runs.
report='read -r pmpid _ <"$PGWARD_PG_DIR/data/postmaster.pid"; echo "$PGWARD_PG_DIR $pmpid $$" >"$FIFO"'

# 1. status passed through, cluster removed
export FIFO=$work/fifo1
mkfifo "$FIFO"
"$with_pg" bash -c "$report; exit 7" &
read -r dir pmpid _ <"$FIFO"
wait $!
status=$?
if [ "$status" = 7 ] && cluster_gone "$dir" "$pmpid"; then ok "status 7 passed through, cluster removed"
else fail "status=$status (want 7), dir exists: $([ -e "$dir" ] && echo yes || echo no)"; fi

# 2. the command works with psql, SELECT version() says 15, TCP listener on 127.0.0.1
out=$("$with_pg" bash -c 'psql -X -At -h "$PGWARD_PG_HOSTADDR" -c "SELECT version()"' 2>&1)
case $out in
    "PostgreSQL 15."*) ok "psql over TCP 127.0.0.1: ${out%% on *}" ;;
    *) fail "psql over TCP: $out" ;;
esac

# 3. missing command: 127, cluster removed
"$with_pg" /nonexistent/command 2>/dev/null
status=$?
if [ "$status" = 127 ]; then ok "missing command gives 127"; else fail "missing command gave $status"; fi

# 4. SIGTERM to with_pg.sh while the command runs
export FIFO=$work/fifo4
mkfifo "$FIFO"
"$with_pg" bash -c "$report; exec sleep 600" &
wpid=$!
read -r dir pmpid cpid <"$FIFO"
kill -TERM "$wpid"
wait "$wpid"
status=$?
if [ "$status" = 143 ] && cluster_gone "$dir" "$pmpid" && eventually proc_gone "$cpid"; then
    ok "SIGTERM: status 143, command stopped, cluster removed"
else
    fail "SIGTERM: status=$status, dir exists: $([ -e "$dir" ] && echo yes || echo no)"
    kill "$cpid" 2>/dev/null
fi

# 5. SIGKILL to with_pg.sh: no trap runs, the watchdog cleans up
export FIFO=$work/fifo5
mkfifo "$FIFO"
"$with_pg" bash -c "$report; exec sleep 600" &
wpid=$!
read -r dir pmpid cpid <"$FIFO"
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
kill -TERM "$cpid" 2>/dev/null # the orphaned command (ctest kills the whole tree)
if eventually cluster_gone "$dir" "$pmpid"; then ok "SIGKILL: the watchdog stopped and removed the cluster"
else fail "SIGKILL: cluster still there: $dir (postmaster $pmpid)"; fi

# 6. --log-statements: the statement shows up in the jsonlog, with application_name
out=$("$with_pg" --log-statements bash -c '
    PGAPPNAME=selftest psql -X -q -c "SELECT 42 AS answer" >/dev/null || exit 1
    psql -X -q -c "SELECT 1" >/dev/null || exit 1 # the collector writes in order: once this is there, so is the first
    for i in $(seq 1 100); do
        grep -q "statement: SELECT 1\"" "$PGWARD_PG_JSONLOG" 2>/dev/null && break
        sleep 0.1
    done
    python3 -c "
import json, sys
for line in open(sys.argv[1], encoding=\"utf-8\"):
    r = json.loads(line)
    if r.get(\"application_name\") == \"selftest\" and r[\"message\"].startswith(\"statement: \"):
        print(r[\"message\"])
" "$PGWARD_PG_JSONLOG"' 2>&1)
if [ "$out" = "statement: SELECT 42 AS answer" ]; then ok "--log-statements: jsonlog has the statement"
else fail "--log-statements: got: $out"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
