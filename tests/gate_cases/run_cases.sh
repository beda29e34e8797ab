#!/usr/bin/env bash
# tests/gate_cases/run_cases.sh PGWARD POLICY CASE_DIR: the policy gate's case table.
#
# Each *.sql file in CASE_DIR is one case; its header says who runs it and what the
# gate must say:
#   -- role: codex_staging
#   -- expect: role-allowlist cross-boundary-write    (rule ids, any order; "none")
# The case passes when pgward lint reports exactly those rule ids at error level
# (each at least once, no other) and exits 1 (2 when one is input-error: a file
# that is not a script is refused whole), or reports none and exits 0.
# Prints one line per failing case and "N passed, M failed".
set -u
pgward=$1 policy=$2 dir=$3
pass=0 fail=0
for f in "$dir"/*.sql; do
  name=$(basename "$f" .sql)
  role=$(sed -n 's/^-- role: *//p' "$f" | head -1)
  want=$(sed -n 's/^-- expect: *//p' "$f" | head -1 | tr ' ' '\n' | grep -v '^$' | sort -u | tr '\n' ' ')
  if [ -z "$role" ] || [ -z "$want" ]; then
    echo "FAIL $name: missing '-- role:' or '-- expect:' header"; fail=$((fail + 1)); continue
  fi
  out=$(NO_COLOR=1 "$pgward" lint -j1 --policy "$policy" --role "$role" "$f" 2>&1)
  rc=$?
  got=$(printf '%s\n' "$out" | sed -n 's/^[^ ]*:[0-9]*:[0-9]*: error: .* \[\([a-z-]*\)\]$/\1/p' | sort -u | tr '\n' ' ')
  [ -n "$got" ] || got="none "
  want_rc=1
  [ "$want" = "none " ] && want_rc=0
  case " $want" in *" input-error "*) want_rc=2 ;; esac
  if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
    pass=$((pass + 1))
  else
    echo "FAIL $name (role $role): expected [${want% }] exit $want_rc, got [${got% }] exit $rc"
    printf '%s\n' "$out" | sed 's/^/    /'
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
