#!/usr/bin/env bash
# tests/install/pre_commit_test.sh BUILD_DIR SOURCE_DIR: the two hooks of
# .pre-commit-hooks.yaml, run by Debian's pre-commit in throwaway git repositories.
# The hook repository is a commit made of the source tree as it is (uncommitted
# changes included), given to pre-commit as a local path and rev.
#   pgward-lint        with the build tree installed into a temporary prefix on PATH:
#                      a broken script fails the commit with pgward's finding, the
#                      fixed one passes, a hook arg (--error-on-warnings) is passed on
#   pgward-lint-build  two repositories run it at once on first use: pgward is built
#                      once into pre-commit's cache (the other run waits on the lock)
#                      and both report the finding; the fixed script then passes;
#                      without the build tools it says which packages to install
# Skipped (77) without pre-commit or git.
set -u
build=$1 src=$2
command -v pre-commit >/dev/null && command -v git >/dev/null ||
  { echo "pre-commit or git not installed (apt-get install pre-commit git): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
export PRE_COMMIT_HOME=$tmp/cache GIT_CONFIG_NOSYSTEM=1 HOME=$tmp
git config --global user.email test@example.invalid
git config --global user.name test
git config --global init.defaultBranch main

# --- the hook repository: the source tree as it is, one commit
hookrepo=$tmp/hookrepo
mkdir "$hookrepo"
(cd "$src" && git ls-files -z -co --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
  tar -xf - -C "$hookrepo"
(cd "$hookrepo" && git init -q && git add -A && git commit -qm "pgward as tested") ||
  { echo "FAIL: cannot make the hook repository"; exit 1; }
rev=$(git -C "$hookrepo" rev-parse HEAD)

# new_repo DIR HOOK [ARG]: a git repository whose pre-commit config runs HOOK
new_repo() {
  mkdir "$1" && git -C "$1" init -q || return 1
  {
    echo "repos:"
    echo "  - repo: $hookrepo"
    echo "    rev: $rev"
    echo "    hooks:"
    echo "      - id: $2"
    [ -n "${3:-}" ] && echo "        args: [$3]"
  } >"$1/.pre-commit-config.yaml"
  mkdir "$1/migrations"
  git -C "$1" add .pre-commit-config.yaml
}
# commit_check DIR FILE-CONTENT-FROM EXPECTED-EXIT WHAT: stage the script and run
# the hooks on what is staged, as `git commit` would
commit_check() {
  cp "$2" "$1/migrations/001.sql" && git -C "$1" add migrations/001.sql
  (cd "$1" && pre-commit run) >"$1.out" 2>&1
  local rc=$?
  if [ $rc != "$3" ]; then
    cat "$1.out"; bad "$4: pre-commit exit $rc, expected $3"; return 1
  fi
}
fixtures=$src/tests/install
printf 'CREATE INDEX i ON t (a);\n' >"$tmp/warns.sql" # warnings only

# --- pgward-lint: the installed pgward on PATH
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
(
  export PATH=$prefix/bin:$PATH
  new_repo "$tmp/sys" pgward-lint
  commit_check "$tmp/sys" "$fixtures/broken.sql" 1 "pgward-lint, broken script" &&
    { grep -q "migrations/001.sql:1:1: error: .*\[syntax-error\]" "$tmp/sys.out" ||
      { cat "$tmp/sys.out"; bad "pgward-lint does not show pgward's finding"; }; }
  commit_check "$tmp/sys" "$fixtures/clean.sql" 0 "pgward-lint, fixed script"
  commit_check "$tmp/sys" "$tmp/warns.sql" 0 "pgward-lint, warnings only"
  new_repo "$tmp/strict" pgward-lint --error-on-warnings
  commit_check "$tmp/strict" "$tmp/warns.sql" 1 "pgward-lint --error-on-warnings, warnings only"
  exit $fail
) || fail=1

# --- pgward-lint-build: two first runs at once build pgward once
new_repo "$tmp/b1" pgward-lint-build && new_repo "$tmp/b2" pgward-lint-build
commit_check "$tmp/b1" "$fixtures/broken.sql" 1 "pgward-lint-build, broken script (1)" &
p1=$!
commit_check "$tmp/b2" "$fixtures/broken.sql" 1 "pgward-lint-build, broken script (2)" &
p2=$!
wait $p1 || fail=1
wait $p2 || fail=1
for r in b1 b2; do
  grep -q "migrations/001.sql:1:1: error: .*\[syntax-error\]" "$tmp/$r.out" ||
    { cat "$tmp/$r.out"; bad "pgward-lint-build ($r) does not show pgward's finding"; }
done
builds=$(cat "$tmp/b1.out" "$tmp/b2.out" | grep -c "building pgward once")
[ "$builds" = 1 ] || bad "pgward was built $builds times by two runs, expected once"
built=$(find "$PRE_COMMIT_HOME" -path '*/build-pre-commit/pgward' -type f | wc -l)
[ "$built" = 1 ] || bad "$built pgward binaries in the pre-commit cache, expected 1"
commit_check "$tmp/b1" "$fixtures/clean.sql" 0 "pgward-lint-build, fixed script"
grep -q "building pgward" "$tmp/b1.out" && bad "pgward-lint-build built pgward again"

# --- without the build tools, the build hook says what to install
mkdir "$tmp/nobin" && ln -s "$(command -v dirname)" "$tmp/nobin/dirname"
PATH=$tmp/nobin "$BASH" "$hookrepo/scripts/pre-commit-build-lint.sh" x.sql >"$tmp/nobuild.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "cannot build pgward: cmake cc pkg-config flex bison flock not found" "$tmp/nobuild.out" &&
  grep -q "apt-get install build-essential cmake" "$tmp/nobuild.out" ||
  { cat "$tmp/nobuild.out"; bad "the build hook without build tools: exit $rc, expected 2 and what to install"; }

[ $fail = 0 ] && echo "both pre-commit hooks fail a broken script with its finding and pass the fixed one"
exit $fail
