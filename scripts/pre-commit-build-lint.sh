#!/usr/bin/env bash
# scripts/pre-commit-build-lint.sh [ARG...]: the entry of the pre-commit hook
# `pgward-lint-build` (.pre-commit-hooks.yaml): for a machine without the pgward
# package but with its build dependencies. pre-commit runs it from its own clone of
# pgward (its cache); the first run builds pgward there, in build-pre-commit/, and
# every run then executes `pgward lint ARG...` (the hook's args, then the files).
#
# Parallel runs (pre-commit splits the files among processes, several repositories
# share the cache) build once: the build holds a lock, and whoever waited on it
# finds the binary made. A failed build leaves no binary, so the next run retries.
#   PGWARD_HOOK_JOBS=N   compile with N jobs (default: the processors)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-pre-commit"
bin="$build/pgward"

if [ ! -x "$bin" ]; then
  missing=()
  for tool in cmake cc pkg-config flex bison flock; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "pgward-lint-build: cannot build pgward: ${missing[*]} not found" >&2
    echo "  install the build dependencies (Debian): apt-get install build-essential cmake pkg-config flex bison libpg-query-dev libcjson-dev libpq-dev libpcre2-dev libssl-dev postgresql-15" >&2
    echo "  or install the pgward package and use the hook id pgward-lint instead" >&2
    exit 2
  fi
  mkdir -p "$build"
  exec 9>"$build/.lock"
  flock 9
  if [ ! -x "$bin" ]; then
    echo "pgward-lint-build: building pgward once into $build" >&2
    log="$build/build.log"
    if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPGWARD_TESTS=OFF &&
           cmake --build "$build" --target pgward -j"${PGWARD_HOOK_JOBS:-$(nproc)}"; } >"$log" 2>&1; then
      echo "pgward-lint-build: building pgward failed; the end of $log:" >&2
      tail -n 20 "$log" >&2
      # configure names the Debian package of each missing dependency
      if grep -q "apt-get install" "$log"; then
        echo "pgward-lint-build: a build dependency is missing: $(grep -o 'apt-get install [a-z0-9.+-]*' "$log" | head -n 1)" >&2
      fi
      exit 2
    fi
  fi
  exec 9>&-
fi
exec "$bin" lint "$@"
