#!/usr/bin/env bash
# with_pg.sh [--log-statements] [--] COMMAND [ARG...]
#
# Starts a throwaway PostgreSQL 15 cluster (see pg_cluster.sh), runs COMMAND with
# PGHOST, PGPORT, PGUSER, PGDATABASE (and PGWARD_PG_*) set, stops and removes the
# cluster, and exits with COMMAND's status. The cluster is also stopped when COMMAND
# fails, when this script is interrupted (INT/TERM/HUP: COMMAND gets SIGTERM), and by
# a watchdog when this script is killed outright.
#
#   tests/pg/with_pg.sh psql -c 'SELECT version()'
#   tests/pg/with_pg.sh --log-statements python3 tests/pg/conformance.py --pgward build/pgward
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=pg_cluster.sh
. "$here/pg_cluster.sh"

start_opts=()
while [ $# -gt 0 ]; do
    case $1 in
        --log-statements) start_opts+=("$1"); shift ;;
        --) shift; break ;;
        -*) echo "with_pg.sh: unknown option: $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    echo "usage: with_pg.sh [--log-statements] [--] COMMAND [ARG...]" >&2
    exit 2
fi

pg_cluster_start "${start_opts[@]}"

# COMMAND runs in the background so that a signal reaches our traps at once (bash runs a
# trap only after a foreground command ends); stdin is passed on explicitly.
child=""
# shellcheck disable=SC2317 # called from the traps below
on_signal() {
    local status=$1
    if [ -n "$child" ]; then
        kill -TERM "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    exit "$status"
}
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

"$@" <&0 {PG_CLUSTER__WD_FD}>&- &
child=$!
wait "$child"
status=$?
child=""
exit "$status"
