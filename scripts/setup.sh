#!/usr/bin/env bash
# scripts/setup.sh: make sure the Debian 12 packages pgward needs are installed.
#
# As root it installs what is missing with apt-get; otherwise it prints the exact
# apt-get line to run and exits 2. Sourced by scripts/demo.sh and scripts/test.sh,
# so each of the two Quick start commands works on a fresh machine by itself.
#   PGWARD_SETUP_EXTRA="pkg ..."   more packages (the test suite adds its tools)
set -euo pipefail

PGWARD_PACKAGES=(
  build-essential cmake pkg-config flex bison pandoc
  libpg-query-dev libprotobuf-c-dev libcjson-dev libpq-dev libpcre2-dev libssl-dev libcmocka-dev
  postgresql-15
)
# shellcheck disable=SC2206
PGWARD_PACKAGES+=(${PGWARD_SETUP_EXTRA:-})

missing=()
for p in "${PGWARD_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "pgward: missing Debian packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi
echo "pgward: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
