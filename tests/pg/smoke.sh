#!/usr/bin/env bash
# smoke.sh: run under with_pg.sh; proves the harness works: psql reaches the throwaway
# server over the unix socket and over TCP 127.0.0.1, and the server is PostgreSQL 15.
set -u
fail=0
check() { # label version-string
    case $2 in
        "PostgreSQL 15."*) echo "ok: $1: ${2%% on *}" ;;
        *) echo "FAIL: $1: expected PostgreSQL 15, got: $2"; fail=1 ;;
    esac
}
for v in PGHOST PGPORT PGUSER PGDATABASE; do
    [ -n "${!v:-}" ] || { echo "FAIL: $v is not set (run under tests/pg/with_pg.sh)"; exit 1; }
done
check "unix socket $PGHOST" "$(psql -X -At -c 'SELECT version()' 2>&1)"
check "tcp ${PGWARD_PG_HOSTADDR:-127.0.0.1}:$PGPORT" \
    "$(psql -X -At -h "${PGWARD_PG_HOSTADDR:-127.0.0.1}" -c 'SELECT version()' 2>&1)"
exit $fail
