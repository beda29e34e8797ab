#!/usr/bin/env bash
# tests/cli/changed_test.sh PGWARD: `lint --changed` in a throwaway git repository.
#
# Nothing changed is a clean run (exit 0, a note on stderr: a pre-commit hook on a
# commit without SQL passes), unlike a PATH that holds no SQL (exit 2); a changed
# *.sql file is linted. Prints one line per failed check; exits 1 when any failed.
set -u
pgward=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
fail=0
check() { # name want_rc want_stderr_substring [args...]
  local name=$1 want=$2 grep_for=$3
  shift 3
  local err rc
  err=$(cd "$repo" && NO_COLOR=1 "$pgward" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != "$want" ] || { [ -n "$grep_for" ] && ! printf "%s" "$err" | grep -qF -- "$grep_for"; }; then
    echo "FAIL $name: exit $rc (want $want), stderr: $err (want: $grep_for)"
    fail=1
  fi
}
git -C "$repo" init -q && git -C "$repo" config user.email t@example.com &&
  git -C "$repo" config user.name t || { echo "cannot make a git repository"; exit 2; }
mkdir "$repo/migrations" "$repo/empty"
echo 'CREATE TABLE IF NOT EXISTS public.t (id bigint);' >"$repo/migrations/001.sql"
git -C "$repo" add -A && git -C "$repo" commit -q -m one
check "nothing changed" 0 "no *.sql file changed since HEAD: nothing to lint" lint --changed
echo notes >"$repo/README.txt"
check "only a text file changed" 0 "no *.sql file changed since HEAD" lint --changed
check "nothing changed, json" 0 "nothing to lint" lint --changed --format sarif
check "an empty folder is still an error" 2 "no *.sql file in folder 'empty'" lint empty
echo 'SELEC 1;' >"$repo/migrations/002.sql"
check "a changed script is linted" 1 "" lint --changed
check "--include leaving nothing of a change" 0 "nothing to lint" lint --changed --include 'other/*.sql'
[ "$fail" = 0 ] && echo ok
exit $fail
