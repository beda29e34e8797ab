#!/usr/bin/env bash
# scripts/test.sh: Quick start command 2: the whole test suite.
#
# Installs what is missing (as root; the tests also need PostgreSQL 15, python3,
# valgrind, and for installing pgward man-db, bash-completion, zsh and
# pre-commit), then:
#   1. build/        Debug build, -Wall -Wextra -Werror, fuzz replay targets:
#                    ctest: unit, cli, pg (throwaway PostgreSQL 15), corpus replay and
#                    install (cmake --install, the Debian package, pre-commit hooks)
#   2. build-asan/   the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#                    (but install: packaging does not depend on how pgward was built)
#   3. valgrind over the PostgreSQL regression corpus (Debug build)
# Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PGWARD_SETUP_EXTRA="postgresql-15 postgresql-client-15 python3 valgrind git man-db bash-completion zsh pre-commit" \
  bash scripts/setup.sh
jobs=$(nproc)

echo "== Debug build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DENABLE_FUZZING=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== test suite (Debug)"
(cd build && ctest --output-on-failure -j"$jobs" -LE valgrind)

echo "== AddressSanitizer + UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Sanitize -DENABLE_FUZZING=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== test suite (ASan + UBSan)"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp":print_suppressions=0 \
  ctest --output-on-failure -j"$jobs" -LE "valgrind|install")

echo "== valgrind (Debug build)"
(cd build && ctest --output-on-failure -L valgrind)
