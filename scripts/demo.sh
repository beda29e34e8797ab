#!/usr/bin/env bash
# scripts/demo.sh: Quick start command 1: the main job on the shipped example.
#
# Installs what is missing (as root), builds pgward in build-release/ and runs
# scripts/main_job.sh: a throwaway staging PostgreSQL, lint, signed bundles, a human
# operator's approvals (codex_staging's bundle is refused until then), apply as
# ehg_admin and as codex_staging, verify with live probes of each restricted role
# (ends with GO) and its sign-offs, the audit trail, stage down; and the script the
# gate rejects, with its reasons. Exits with main_job.sh's status: 0 for GO.
# PGWARD_DEMO_BREAK=1 breaks one grant before verify: NO-GO, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
PGWARD_SETUP_EXTRA="postgresql-15" bash scripts/setup.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release --target pgward -j"$(nproc)" >/dev/null
exec bash scripts/main_job.sh build-release/pgward
