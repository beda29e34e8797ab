#!/usr/bin/env bash
# scripts/main_job.sh PGWARD [WORKDIR]: the main job, end to end, on the shipped
# example (sql/examples/) and policy (rules/staging.policy):
#
#   stage up -> lint -> bundle (signed) -> apply as ehg_admin -> codex_staging's
#   bundle refused until a human operator approves it (pgward approve) -> apply as
#   codex_staging (through the operator ehg_admin, which writes the audit trail, with
#   --set-role) -> verify, probing each restricted role live (GO / NO-GO), and its
#   sign-offs -> audit verify -> audit show -> stage down
#
# and, on the side, the script the gate rejects and why. WORKDIR (default
# .pgward/ in the repository) holds the keys, the bundles and the journal; the
# stage lives in a fresh folder under $TMPDIR or /tmp (run as root, the postgres
# user must reach it) and is always taken down, also on failure. Exits 0 when verify
# says GO, 1 when it says NO-GO, other codes when a step failed.
# PGWARD_STAGE_PORT picks the stage's port (default 5434). PGWARD_DEMO_BREAK=1 breaks
# one thing before verify (codex_staging is granted INSERT on vh.tasks, a family it
# may only read): verify then says NO-GO, and why, and the job exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pgward=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=${2:-$here/.pgward}
port=${PGWARD_STAGE_PORT:-5434}
policy=$here/rules/staging.policy
ex=$here/sql/examples
stage=$(mktemp -d "${TMPDIR:-/tmp}/pgward-stage.XXXXXX")
chmod 755 "$stage"
export PGWARD_JOURNAL=$work/journal.jsonl
export NO_COLOR=${NO_COLOR:-}

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ pgward %s\n' "$*"; "$pgward" "$@"; }

mkdir -p "$work"
rm -rf "$work/admin.bundle" "$work/codex.bundle"
trap '"$pgward" stage down --dir "$stage" >/dev/null 2>&1; rm -rf "$stage"' EXIT

step "1. a throwaway staging PostgreSQL, bootstrapped (codex_staging expires in 8h)"
run stage up --dir "$stage" --port "$port" --ttl 8h

step "2. lint: every script against the policy, for the role that will run it"
cd "$ex"
run lint --policy "$policy" --role ehg_admin 01_schema_apply.sql 02_seed.sql
run lint --policy "$policy" --role codex_staging 03_backfill_status.sql \
    04_hydrate_links.sql 05_verify.sql | grep -v ' info: \|^ *[0-9]* |\|^ *| \|^ *= help' || true
echo "-- and the script the gate must reject:"
if "$pgward" lint --policy "$policy" --role codex_staging 99_rejected.sql; then
    echo "main job: 99_rejected.sql passed the gate, which must never happen" >&2
    exit 2
fi

step "3. bundle: approved scripts, hash-chained and signed"
[ -f "$work/key" ] || "$pgward" keygen "$work/key" >/dev/null
[ -f "$work/operator" ] || "$pgward" keygen "$work/operator" >/dev/null
# the shipped policy, plus a human approver whose sign-off codex_staging's bundles need
sed 's/^role codex_staging {$/&\n    approvals 1 human 1;/' "$policy" >"$work/staging.policy"
printf 'approver operator key "operator.pub" human;\n' >>"$work/staging.policy"
policy=$work/staging.policy
run bundle --policy "$policy" --role ehg_admin --sign "$work/key" -o "$work/admin.bundle" \
    01_schema_apply.sql 02_seed.sql
run bundle --policy "$policy" --role codex_staging --sign "$work/key" \
    -o "$work/codex.bundle" 03_backfill_status.sql 04_hydrate_links.sql 05_verify.sql

step "4. apply: verified, linted again, run in one transaction each, audited"
# the operator signs the admin bundle off too (its role does not require it): every
# bundle that runs then has a human's approval in the sign-offs
run approve "$work/admin.bundle" --key "$work/operator" --as operator \
    --note "reviewed the schema change" --pubkey "$work/key.pub"
run apply --pubkey "$work/key.pub" --env-file "$stage/.env.admin" "$work/admin.bundle"
echo "-- codex_staging's bundle needs a human operator's approval first:"
if "$pgward" apply --pubkey "$work/key.pub" --env-file "$stage/.env.admin" --set-role \
    "$work/codex.bundle"; then
    echo "main job: an unapproved bundle was applied, which must never happen" >&2
    exit 2
fi
run approve "$work/codex.bundle" --key "$work/operator" --as operator \
    --note "reviewed the backfill on staging" --pubkey "$work/key.pub"
# codex_staging's own login may not write the audit trail: the operator applies as it
run apply --pubkey "$work/key.pub" --env-file "$stage/.env.admin" --set-role \
    "$work/codex.bundle"

if [ "${PGWARD_DEMO_BREAK:-0}" = 1 ]; then
    step "4b. break one thing: codex_staging may now write vh.tasks (it may only read vh)"
    (set -a; . "$stage/.env.admin"; set +a; psql -X -q -v ON_ERROR_STOP=1 \
        -c 'GRANT INSERT ON vh.tasks TO codex_staging')
fi

step "5. verify the live database against the policy, probing each restricted role live"
set +e
run verify --env-file "$stage/.env.admin" --policy "$policy"
verdict=$?
set -e
echo "-- the sign-offs of the go/no-go report, filled from the audit trail:"
"$pgward" verify --env-file "$stage/.env.admin" --policy "$policy" --format markdown |
    sed -n '/^### Sign-offs/,$p' || true

step "6. the audit trail: its hash chain, what ran, as whom, and what happened"
run audit verify --env-file "$stage/.env.admin"
run audit show --env-file "$stage/.env.admin" --limit 5

step "7. stage down"
run stage down --dir "$stage"
trap - EXIT
exit "$verdict"
