# shellcheck shell=bash
# pg_cluster.sh: a throwaway PostgreSQL 15 cluster for tests, always stopped and removed.
#
# Source it from bash and call pg_cluster_start; the cluster lives in a fresh temporary
# folder and is stopped (pg_ctl stop -m immediate) and removed:
#   - by the EXIT trap when the shell exits, also on failure (set -e) or INT/TERM/HUP;
#   - by a detached watchdog if the shell itself dies without running traps (SIGKILL,
#     e.g. a ctest timeout): it holds the read end of a pipe whose only writer is this
#     shell and cleans up when the pipe reaches end-of-file.
#
#   . tests/pg/pg_cluster.sh
#   pg_cluster_start [--log-statements]
#   psql -c 'SELECT 1'          # PGHOST, PGPORT, PGUSER, PGDATABASE are exported
#   pg_cluster_stop             # optional: the EXIT trap does it anyway
#
# The server listens on 127.0.0.1 (a free port) and on a unix socket in the temporary
# folder (PGHOST is that folder), with trust authentication, lc_messages=C, UTF8, fsync off.
# Run as root, initdb/pg_ctl/postgres run as the `postgres` OS user through runuser.
#
# --log-statements (or PG_CLUSTER_LOG_STATEMENTS=1) starts the server with
# log_statement=all, logging_collector=on, log_destination=jsonlog and no rotation:
# every statement a client sends is one JSON record per line in $PGWARD_PG_JSONLOG whose
# "message" is "statement: <text>" (plus "application_name", "session_id", ...).
#
# Exported for the test:
#   PGHOST PGPORT PGUSER PGDATABASE   libpq connection (socket folder, port, postgres, postgres)
#   PGWARD_PG_BINDIR                  the server's bin folder (also put first on PATH, so
#                                     psql/createdb/dropdb are the server's version 15 ones)
#   PGWARD_PG_HOSTADDR                127.0.0.1 (to test the TCP listener)
#   PGWARD_PG_DIR                     the temporary folder
#   PGWARD_PG_JSONLOG                 the jsonlog file ("" without statement logging)
#   PGWARD_PG_SERVERLOG               the server's stderr log (startup messages)
#
# Binaries: $PG_BINDIR if set, else $(pg_config --bindir), else /usr/lib/postgresql/15/bin.
# Missing binaries are an error (exit 1), not a skip: the test setup installs postgresql-15.

PG_CLUSTER_DIR=""
PG_CLUSTER_DATA=""
PG_CLUSTER_BINDIR=""
PG_CLUSTER_AS_POSTGRES=0
PG_CLUSTER__WD_FD=""

pg_cluster__die() {
    echo "pg_cluster: $*" >&2
    exit 1
}

# Runs a cluster command (as postgres when we are root), without the watchdog's pipe:
# the postmaster must not hold it open, or the watchdog would never see end-of-file.
pg_cluster__run() {
    if [ -n "$PG_CLUSTER__WD_FD" ]; then
        if [ "$PG_CLUSTER_AS_POSTGRES" = 1 ]; then
            runuser -u postgres -- "$@" {PG_CLUSTER__WD_FD}>&-
        else
            "$@" {PG_CLUSTER__WD_FD}>&-
        fi
    else
        if [ "$PG_CLUSTER_AS_POSTGRES" = 1 ]; then
            runuser -u postgres -- "$@"
        else
            "$@"
        fi
    fi
}

pg_cluster__find_bindir() {
    local cand candidates=()
    [ -n "${PG_BINDIR:-}" ] && candidates+=("$PG_BINDIR")
    if command -v pg_config >/dev/null 2>&1; then
        cand=$(pg_config --bindir 2>/dev/null) && candidates+=("$cand")
    fi
    candidates+=(/usr/lib/postgresql/15/bin)
    for cand in "${candidates[@]}"; do
        if [ -x "$cand/initdb" ] && [ -x "$cand/pg_ctl" ] && [ -x "$cand/postgres" ]; then
            PG_CLUSTER_BINDIR=$cand
            return 0
        fi
    done
    pg_cluster__die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in: ${candidates[*]}" \
        "-- install them with: apt-get install -y postgresql-15 (or set PG_BINDIR)"
}

# A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
pg_cluster__free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Stops the server (if it runs) and removes the folder. Idempotent; used by the EXIT
# trap, pg_cluster_stop and the watchdog.
pg_cluster__teardown() {
    local dir=$PG_CLUSTER_DIR data=$PG_CLUSTER_DATA
    [ -n "$dir" ] || return 0
    if [ -n "$data" ] && [ -f "$data/postmaster.pid" ]; then
        pg_cluster__run "$PG_CLUSTER_BINDIR/pg_ctl" stop -D "$data" -m immediate -w -t 60 \
            >/dev/null 2>&1 || true
    fi
    rm -rf -- "$dir"
}

pg_cluster__on_exit() {
    local status=$?
    pg_cluster__teardown
    PG_CLUSTER_DIR=""
    return $status
}

# The watchdog runs detached (reparented to init, so a process-tree kill of the test does
# not take it along) with the pipe on stdin; it only acts once the shell is gone.
pg_cluster__start_watchdog() {
    exec {PG_CLUSTER__WD_FD}> >(
        (
            trap '' INT TERM HUP
            cat >/dev/null
            PG_CLUSTER__WD_FD=""
            pg_cluster__teardown
        ) <&0 >/dev/null 2>&1 &
    )
}

pg_cluster_stop() {
    pg_cluster__teardown
    PG_CLUSTER_DIR=""
    PG_CLUSTER_DATA=""
    if [ -n "$PG_CLUSTER__WD_FD" ]; then
        exec {PG_CLUSTER__WD_FD}>&-
        PG_CLUSTER__WD_FD=""
    fi
}

pg_cluster_start() {
    local log_statements=${PG_CLUSTER_LOG_STATEMENTS:-0}
    while [ $# -gt 0 ]; do
        case $1 in
            --log-statements) log_statements=1 ;;
            *) pg_cluster__die "unknown option: $1" ;;
        esac
        shift
    done
    [ -z "$PG_CLUSTER_DIR" ] || pg_cluster__die "a cluster is already running in $PG_CLUSTER_DIR"
    command -v python3 >/dev/null 2>&1 || pg_cluster__die "python3 not found: apt-get install -y python3"
    pg_cluster__find_bindir
    local version
    version=$("$PG_CLUSTER_BINDIR/postgres" --version) || pg_cluster__die "cannot run $PG_CLUSTER_BINDIR/postgres"
    case $version in
        *" 15."*) ;;
        *) echo "pg_cluster: warning: expected PostgreSQL 15, found: $version" >&2 ;;
    esac

    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || pg_cluster__die "running as root but there is no postgres OS user (apt-get install -y postgresql-15 creates it)"
        PG_CLUSTER_AS_POSTGRES=1
    else
        PG_CLUSTER_AS_POSTGRES=0
    fi

    trap pg_cluster__on_exit EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM

    PG_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgward-pg.XXXXXX") || pg_cluster__die "mktemp failed"
    PG_CLUSTER_DATA=$PG_CLUSTER_DIR/data
    pg_cluster__start_watchdog
    mkdir -p "$PG_CLUSTER_DIR/log"
    if [ "$PG_CLUSTER_AS_POSTGRES" = 1 ]; then
        chown -R postgres: "$PG_CLUSTER_DIR"
        runuser -u postgres -- test -w "$PG_CLUSTER_DIR" ||
            pg_cluster__die "the postgres user cannot write to $PG_CLUSTER_DIR (set TMPDIR to a folder it can reach, e.g. /tmp)"
    fi

    pg_cluster__run "$PG_CLUSTER_BINDIR/initdb" -D "$PG_CLUSTER_DATA" -U postgres -A trust \
        -E UTF8 --locale=C --no-sync --no-instructions >"$PG_CLUSTER_DIR/initdb.log" 2>&1 ||
        { cat "$PG_CLUSTER_DIR/initdb.log" >&2; pg_cluster__die "initdb failed"; }

    {
        echo "# pg_cluster.sh"
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$PG_CLUSTER_DIR'"
        echo "lc_messages = 'C'"
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
        echo "max_connections = 30"
        if [ "$log_statements" = 1 ]; then
            echo "log_statement = 'all'"
            echo "log_min_error_statement = 'error'"
            echo "logging_collector = on"
            echo "log_destination = 'jsonlog'"
            echo "log_directory = '$PG_CLUSTER_DIR/log'"
            echo "log_filename = 'postgresql.log'"
            echo "log_rotation_age = 0"
            echo "log_rotation_size = 0"
            echo "log_file_mode = 0644"
        fi
    } | pg_cluster__run tee -a "$PG_CLUSTER_DATA/postgresql.conf" >/dev/null

    # The port is free when chosen; another process could take it before the server binds
    # it, so a failed start is retried with a new port (pg_ctl -w waits for readiness).
    local port attempt started=0
    for attempt in 1 2 3 4 5; do
        port=$(pg_cluster__free_port) || pg_cluster__die "cannot find a free TCP port"
        if pg_cluster__run "$PG_CLUSTER_BINDIR/pg_ctl" start -D "$PG_CLUSTER_DATA" -w -t 120 \
            -l "$PG_CLUSTER_DIR/server.log" -o "-p $port" >"$PG_CLUSTER_DIR/pg_ctl.log" 2>&1; then
            started=1
            break
        fi
        if ! grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets' \
            "$PG_CLUSTER_DIR/server.log" 2>/dev/null; then
            break
        fi
        echo "pg_cluster: port $port was taken, retrying (attempt $attempt)" >&2
    done
    if [ "$started" != 1 ]; then
        cat "$PG_CLUSTER_DIR/pg_ctl.log" "$PG_CLUSTER_DIR/server.log" >&2 2>/dev/null
        pg_cluster__die "the server did not start"
    fi

    # Only the throwaway cluster: no service file, password or options from the caller.
    unset PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGHOSTADDR PGOPTIONS PGAPPNAME \
        PGSSLMODE PGREQUIRESSL PGCONNECT_TIMEOUT PGTARGETSESSIONATTRS PGCLUSTER PGDATA
    export PGHOST=$PG_CLUSTER_DIR
    export PGPORT=$port
    export PGUSER=postgres
    export PGDATABASE=postgres
    export PGWARD_PG_BINDIR=$PG_CLUSTER_BINDIR
    export PGWARD_PG_HOSTADDR=127.0.0.1
    export PGWARD_PG_DIR=$PG_CLUSTER_DIR
    export PGWARD_PG_SERVERLOG=$PG_CLUSTER_DIR/server.log
    if [ "$log_statements" = 1 ]; then
        export PGWARD_PG_JSONLOG=$PG_CLUSTER_DIR/log/postgresql.json
    else
        export PGWARD_PG_JSONLOG=""
    fi
    export PATH="$PG_CLUSTER_BINDIR:$PATH"
}
