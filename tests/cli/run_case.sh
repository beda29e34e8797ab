#!/usr/bin/env bash
# tests/cli/run_case.sh PGWARD CASE_DIR: one golden CLI test kept as data.
#
# A case folder holds:
#   args             the arguments, one shell-quoted line (evaluated by bash)
#   stdin            optional: fed to pgward's standard input
#   expected_stdout  expected standard output (exact)
#   expected_stderr  expected standard error (exact; absent = must be empty)
#   expected_exit    expected exit status (a number)
#   *.sql etc.       inputs, referred to by relative paths in args
# pgward runs inside the case folder with NO_COLOR=1. With UPDATE_GOLDEN=1 the
# expected files are rewritten from what pgward printed (review the diff!).
set -u
pgward=$1
dir=$2
cd "$dir" || exit 2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
eval "set -- $(cat args)"
if [ -f stdin ]; then
  NO_COLOR=1 "$pgward" "$@" <stdin >"$out" 2>"$err"
else
  NO_COLOR=1 "$pgward" "$@" </dev/null >"$out" 2>"$err"
fi
rc=$?
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$out" expected_stdout
  if [ -s "$err" ]; then cp "$err" expected_stderr; else rm -f expected_stderr; fi
  echo "$rc" >expected_exit
  exit 0
fi
fail=0
want_rc=$(cat expected_exit)
if [ "$rc" != "$want_rc" ]; then
  echo "exit status: expected $want_rc, got $rc"
  fail=1
fi
if ! diff -u expected_stdout "$out"; then
  echo "stdout differs (above)"
  fail=1
fi
if [ -f expected_stderr ]; then
  diff -u expected_stderr "$err" || { echo "stderr differs (above)"; fail=1; }
elif [ -s "$err" ]; then
  echo "unexpected stderr:"; cat "$err"; fail=1
fi
exit $fail
