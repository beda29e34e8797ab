#!/usr/bin/env bash
# scripts/demo.sh: Quick start command 1: the main job on the shipped example.
#
# Installs what is missing (as root), builds pgward in build/ and lints
# sql/examples/: the housekeeping scripts pass, the deliberately bad one is
# rejected with its findings. Exits 0 when pgward ran and judged (clean or with
# findings), non-zero when something else went wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target pgward -j"$(nproc)" >/dev/null

echo "== pgward lint sql/examples/"
set +e
NO_COLOR=${NO_COLOR:-} ./build/pgward lint sql/examples/
rc=$?
set -e
case $rc in
  0) echo "== all example scripts pass" ;;
  1) echo "== findings above: sql/examples/99_rejected.sql is meant to be rejected" ;;
  *) echo "== pgward failed (exit $rc)" >&2; exit "$rc" ;;
esac
