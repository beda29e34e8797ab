#!/usr/bin/env bash
# main_job_test.sh PGWARD: the README's main command, end to end (scripts/main_job.sh)
# on a free port in a temporary folder: it must end with GO (exit 0), show the
# rejected script with its three reasons, apply both bundles, probe the restricted
# roles live (GO in the gate probes), and leave no stage
# behind. The stage is pgward's own cluster (pgward stage up), not with_pg.sh's.
set -u
pgward=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pgward-main-job.XXXXXX")
chmod 755 "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(PGWARD_STAGE_PORT=$port bash "$here/scripts/main_job.sh" "$pgward" "$work" 2>&1)
rc=$?
printf '%s\n' "$out"
fail=0
expect() { grep -qE -- "$1" <<<"$out" || { echo "FAIL: output lacks: $1"; fail=1; }; }
[ "$rc" = 0 ] || { echo "FAIL: main job exited $rc, expected 0 (GO)"; fail=1; }
expect '^GO$'
expect 'cross-boundary-write'
expect 'lacks delete on eng.projects'
expect 'unsupported meta-command'
expect 'admin.bundle: applied 7 statements in 2 files as ehg_admin'
expect 'codex.bundle: applied [0-9]+ statements in 3 files as codex_staging'
expect 'verify: backfill and hydration complete'
# verify on the stage's env file probes each restricted role live (verify --probe)
expect '^GO +probes: '
expect 'codex_staging: ddl create table in schema vh: .* -> SQLSTATE 42501'
expect 'codex_staging: read eng\.service_credentials \(sensitive\): .* -> 0 rows'
# codex_staging's bundle is refused until the human operator approves it
expect "role 'codex_staging' needs 1 approval, 1 of them by a human: the bundle has 0 that count"
expect 'codex.bundle/approvals/operator.json: approved by operator'
# the go/no-go report's sign-offs, filled from the audit trail
expect '^- \[x\] the automation.s staging validation$'
expect '^- \[x\] a human operator who reviewed and approved$'
expect 'operator \(human\) at [0-9T:Z-]+ "reviewed the backfill on staging"'
stage=$(sed -n 's/^stage up: .*(\(.*\))$/\1/p' <<<"$out" | head -1)
[ -n "$stage" ] || { echo "FAIL: no 'stage up:' line naming the stage folder"; fail=1; }
[ -z "$stage" ] || [ ! -e "$stage" ] || { echo "FAIL: the stage is still there: $stage"; fail=1; }
# the variant that breaks one thing: NO-GO, saying why, exit 1
work2=$(mktemp -d "${TMPDIR:-/tmp}/pgward-main-job.XXXXXX")
chmod 755 "$work2"
out=$(PGWARD_DEMO_BREAK=1 PGWARD_STAGE_PORT=$port bash "$here/scripts/main_job.sh" "$pgward" \
      "$work2" 2>&1)
rc=$?
rm -rf "$work2"
printf '%s\n' "$out" | tail -n 20
[ "$rc" = 1 ] || { echo "FAIL: the broken main job exited $rc, expected 1 (NO-GO)"; fail=1; }
expect '^NO-GO: 3 items failed \(automation-permissions, privileges, probes\)$'
expect 'problem: codex_staging: write insert into vh\.tasks: .* -> accepted, expected SQLSTATE 42501'
expect 'problem: codex_staging holds INSERT on table vh\.tasks'
expect '^- \[ \] the automation.s staging validation$'
[ "$fail" = 0 ] && echo "ok: main job ends with GO, and with NO-GO when one thing is broken"
exit $fail
