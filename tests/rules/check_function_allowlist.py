#!/usr/bin/env python3
"""tests/rules/check_function_allowlist.py: rules/functions.allow stays what it claims.

    check_function_allowlist.py [--file FILE] [--format-only]
                                [--psql-conninfo CONNINFO] [--psql PSQL]

rules/functions.allow lists the pg_catalog functions a restricted role may call
(its header says why and how). This test checks:

  (a) the format: the header comment (first line and the column line before the
      first entry), no blank line, ASCII only, each entry three columns separated
      by runs of spaces (a lowercase name, a known category, a why of a few words),
      the entries sorted by name in byte order, no duplicates;
  (b) that no name is on DENYLIST or matches DENY_PATTERNS below (functions that
      run SQL given as text, write, lock, signal, sleep, touch files, use large
      objects, change settings or talk to other sessions);
  (c) against a PostgreSQL 15 server, when --psql-conninfo is given or PGHOST or
      PGPORT is set (and not --format-only): the server is version 15, every name
      is a function in pg_catalog, and no overload of a listed name is a
      procedure, is SECURITY DEFINER, takes or returns an unsafe type (internal,
      cstring, trigger, event_trigger or a handler), or is volatile without its
      name in VOLATILE_REVIEWED.

One line per failure, then a summary; exit 0 when everything holds, 1 on any
failure (a server that cannot be reached when asked for is a failure), 2 on bad
usage. Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FILE = os.path.join(HERE, "..", "..", "rules", "functions.allow")

FIRST_LINE = "# rules/functions.allow:"
COLUMN_LINE = re.compile(r"^# name +category +why it is safe$")
ENTRY = re.compile(r"^([a-z_][a-z0-9_]*) +([a-z]+) +(\S.*)$")

CATEGORIES = {
    "aggregate", "array", "cast", "catalog", "conditional", "datetime",
    "geometry", "hash", "json", "math", "network", "privilege", "range",
    "series", "session", "size", "string", "textsearch", "type", "uuid",
    "window", "xml",
}

# Never safe for a restricted role, whatever the review says.
DENYLIST = {
    # run SQL given as text, or read whole tables, schemas, databases
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
    "cursor_to_xml", "cursor_to_xmlschema",
    "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
    "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
    "ts_stat", "ts_rewrite",
    # settings
    "set_config", "pg_reload_conf", "pg_show_all_file_settings",
    # sequences, session and transaction state that is written
    "nextval", "setval", "setseed", "txid_current", "pg_current_xact_id",
    "pg_export_snapshot", "pg_nextoid", "pg_stop_making_pinned_objects",
    "pg_extension_config_dump", "pg_import_system_collations",
    "gin_clean_pending_list", "pg_prewarm",
    # WAL, backups, recovery, replication
    "pg_switch_wal", "pg_create_restore_point", "pg_promote",
    "pg_logical_emit_message",
    # other sessions and the server process
    "pg_cancel_backend", "pg_terminate_backend", "pg_rotate_logfile",
    "pg_rotate_logfile_old", "pg_log_backend_memory_contexts", "pg_notify",
    "pg_listening_channels",
    # sleeping
    "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    # files and directories
    "pg_read_file", "pg_read_file_old", "pg_read_binary_file", "pg_stat_file",
    "pg_current_logfile", "pg_tablespace_location",
    # large objects
    "loread", "lowrite",
}

# Families denied by name: any name matching one of these is refused.
DENY_PATTERNS = [
    re.compile(p) for p in (
        r"^lo_",                      # large objects (lo_import, lo_export, ...)
        r"^dblink",                   # other databases over the network
        r"^pg_(try_)?advisory_",      # advisory locks
        r"^pg_ls_",                   # directory listings
        r"^pg_file_",                 # adminpack file writes
        r"^pg_replication_",          # replication origins and slots
        r"^pg_logical_slot_",
        r"^pg_(create|drop|copy)_",   # slots, restore points
        r"^pg_backup_",
        r"^pg_wal_replay_",
        r"^pg_stat_reset",
        r"^brin_(de)?summarize",
        r"^binary_upgrade_",
        r"_to_xml",                   # *_to_xml* reading a query, table, schema or database
        r"^pg_sleep",
    )
]

# pg_catalog types no overload of a listed name may take or return.
UNSAFE_TYPES = {
    "internal", "cstring", "trigger", "event_trigger", "language_handler",
    "fdw_handler", "index_am_handler", "table_am_handler", "tsm_handler",
}

# Listed names with a volatile overload, each reviewed as harmless: a new volatile
# name must be added here on purpose.
VOLATILE_REVIEWED = {
    "clock_timestamp",         # reads the clock
    "gen_random_uuid",         # random bytes
    "random",                  # the session's generator
    "timeofday",               # reads the clock
    "pg_is_in_recovery",       # reads shared state
    "pg_jit_available",        # reads whether JIT can load
    "pg_partition_ancestors",  # reads pg_inherits
    "pg_partition_tree",       # reads pg_inherits
    "pg_indexes_size",         # stats relation files
    "pg_relation_size",        # stats relation files
    "pg_table_size",           # stats relation files
    "pg_total_relation_size",  # stats relation files
}

MIN_WHY_WORDS = 2


def check_format(path, fail):
    """Checks the file's format and denylist; returns the entries as (line, name)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"{path}: cannot read: {e.strerror}")
        return []
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        fail(f"{path}: not ASCII at byte {e.start}")
        return []
    if not text.endswith("\n"):
        fail(f"{path}: does not end with a newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith(FIRST_LINE):
        fail(f"{path}:1: the header must start with {FIRST_LINE!r}")

    entries = []
    seen = {}
    column_line_seen = False
    prev = None
    for num, line in enumerate(lines, 1):
        where = f"{path}:{num}"
        if line == "":
            fail(f"{where}: blank line")
            continue
        if "\t" in line or "\r" in line:
            fail(f"{where}: tab or carriage return")
            continue
        if line != line.rstrip(" "):
            fail(f"{where}: trailing spaces")
        if line.startswith("#"):
            if COLUMN_LINE.match(line):
                column_line_seen = True
            continue
        if not column_line_seen:
            fail(f"{where}: entry before the column line '# name  category  why it is safe'")
        m = ENTRY.match(line.rstrip(" "))
        if not m:
            fail(f"{where}: not 'name category why': {line!r}")
            continue
        name, category, why = m.groups()
        if category not in CATEGORIES:
            fail(f"{where}: {name}: unknown category {category!r} "
                 f"(known: {' '.join(sorted(CATEGORIES))})")
        if len(why.split()) < MIN_WHY_WORDS:
            fail(f"{where}: {name}: the why is too short: {why!r}")
        if name in seen:
            fail(f"{where}: {name}: duplicate of line {seen[name]}")
        elif prev is not None and name.encode() < prev.encode():
            fail(f"{where}: {name}: out of order (after {prev}); sort by name in byte order")
        seen.setdefault(name, num)
        prev = name
        if name in DENYLIST:
            fail(f"{where}: {name}: on the denylist")
        for pat in DENY_PATTERNS:
            if pat.search(name):
                fail(f"{where}: {name}: matches the denied family {pat.pattern!r}")
        entries.append((num, name))
    if not column_line_seen:
        fail(f"{path}: no column line '# name  category  why it is safe'")
    if not entries:
        fail(f"{path}: no entries")
    return entries


CATALOG_QUERY = r"""
SELECT p.proname,
       p.oid::regprocedure,
       p.prokind,
       p.provolatile,
       p.prosecdef,
       array_to_string(ARRAY(
           SELECT t.typname
             FROM unnest(array_prepend(p.prorettype,
                         coalesce(p.proallargtypes, p.proargtypes::oid[]))) AS u(oid)
             JOIN pg_type t ON t.oid = u.oid
            WHERE t.typnamespace = 'pg_catalog'::regnamespace), ' ')
  FROM pg_proc p
 WHERE p.pronamespace = 'pg_catalog'::regnamespace
 ORDER BY 1, 2
"""


def find_psql(explicit):
    if explicit:
        return explicit
    bindir = os.environ.get("PGWARD_PG_BINDIR")
    if bindir and os.access(os.path.join(bindir, "psql"), os.X_OK):
        return os.path.join(bindir, "psql")
    found = shutil.which("psql")
    if found:
        return found
    if os.access("/usr/lib/postgresql/15/bin/psql", os.X_OK):
        return "/usr/lib/postgresql/15/bin/psql"
    return None


def run_psql(psql, conninfo, sql):
    """Runs SQL; returns its rows (lists of fields) or raises RuntimeError."""
    cmd = [psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-F", "\x1f",
           "-c", sql]
    if conninfo:
        cmd[1:1] = ["-d", conninfo]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError(f"psql failed: {e}") from e
    if res.returncode != 0:
        raise RuntimeError(f"psql exited {res.returncode}: {res.stderr.strip()}")
    return [line.split("\x1f") for line in res.stdout.splitlines() if line]


def check_catalog(path, entries, psql, conninfo, fail):
    try:
        version = run_psql(psql, conninfo, "SHOW server_version_num")
        rows = run_psql(psql, conninfo, CATALOG_QUERY)
    except RuntimeError as e:
        fail(f"server: {e}")
        return 0
    num = int(version[0][0]) if version and version[0][0].isdigit() else 0
    if not 150000 <= num < 160000:
        fail(f"server: version {num} is not PostgreSQL 15")
        return 0

    overloads = {}
    for row in rows:
        if len(row) != 6:
            fail(f"server: unexpected catalog row {row!r}")
            continue
        name, signature, kind, volatility, secdef, types = row
        overloads.setdefault(name, []).append(
            (signature, kind, volatility, secdef == "t", set(types.split())))

    checked = 0
    for num, name in entries:
        where = f"{path}:{num}: {name}"
        found = overloads.get(name)
        if not found:
            fail(f"{where}: no function of that name in pg_catalog")
            continue
        for signature, kind, volatility, secdef, types in found:
            checked += 1
            if kind == "p":
                fail(f"{where}: {signature} is a procedure")
            if secdef:
                fail(f"{where}: {signature} is SECURITY DEFINER")
            bad = types & UNSAFE_TYPES
            if bad:
                fail(f"{where}: {signature} takes or returns {', '.join(sorted(bad))}")
            if volatility == "v" and name not in VOLATILE_REVIEWED:
                fail(f"{where}: {signature} is volatile and not in VOLATILE_REVIEWED")
    listed = {name for _, name in entries}
    for name in sorted(VOLATILE_REVIEWED - listed):
        fail(f"VOLATILE_REVIEWED: {name} is not in {path}")
    return checked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE, help="the allowlist (default: rules/functions.allow)")
    ap.add_argument("--format-only", action="store_true",
                    help="check the format and denylist only, even when PGHOST or PGPORT is set")
    ap.add_argument("--psql-conninfo", help="libpq connection string of a PostgreSQL 15 server")
    ap.add_argument("--psql", help="the psql to run (default: $PGWARD_PG_BINDIR/psql, then PATH)")
    args = ap.parse_args()
    path = os.path.relpath(args.file) if not os.path.isabs(args.file) else args.file

    failures = []

    def fail(msg):
        failures.append(msg)
        print(f"FAIL {msg}")

    entries = check_format(path, fail)
    print(f"format: {len(entries)} entries")

    use_server = not args.format_only and (
        args.psql_conninfo is not None or "PGHOST" in os.environ or "PGPORT" in os.environ)
    if use_server:
        psql = find_psql(args.psql)
        if psql is None:
            fail("server: psql not found (give --psql or put it on PATH)")
        else:
            checked = check_catalog(path, entries, psql, args.psql_conninfo, fail)
            print(f"server: {checked} pg_catalog overloads checked")
    else:
        print("server: not checked (no --psql-conninfo, PGHOST or PGPORT)")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
