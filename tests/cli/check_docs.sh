#!/usr/bin/env bash
# tests/cli/check_docs.sh PGWARD README: fails when the code, the --help texts and
# the README drift apart: every command in `pgward --help` must have a README
# section "### pgward <command>", every long option of `pgward <command> --help`
# must appear in that section, and every section must name a real command.
set -u
pgward=$1 readme=$2
fail=0
commands=$("$pgward" --help | awk '/^commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{on=0}')
[ -n "$commands" ] || { echo "no commands found in pgward --help"; exit 1; }
for c in $commands; do
  section=$(awk -v h="### pgward $c" '$0==h{on=1;next} on&&/^##/{on=0} on' "$readme")
  if [ -z "$section" ]; then
    echo "README.md has no section '### pgward $c'"; fail=1; continue
  fi
  for o in $("$pgward" "$c" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    grep -qF -- "$o" <<<"$section" || { echo "README section for '$c' does not mention $o"; fail=1; }
  done
done
for s in $(grep -oE '^### pgward [a-z]+' "$readme" | awk '{print $3}'); do
  grep -qx "$s" <<<"$commands" || { echo "README documents 'pgward $s', which pgward --help does not list"; fail=1; }
done
[ $fail = 0 ] && echo "docs match --help"
exit $fail
