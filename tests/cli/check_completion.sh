#!/usr/bin/env bash
# tests/cli/check_completion.sh PGWARD: the bash completion `pgward completion bash`
# prints offers what pgward takes: every command of `pgward --help`, every long
# option of each `pgward <command> --help` (and of `bundle verify`), every rule id
# of `pgward rules` after `pgward rules`, and files after `pgward lint`.
set -u
pgward=$1
fail=0
script=$(mktemp) dir=$(mktemp -d)
trap 'rm -rf "$script" "$dir"' EXIT
"$pgward" completion bash >"$script" || { echo "pgward completion bash failed"; exit 1; }
# complete WORD...: what the completion offers for the last word (bash emulates TAB)
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pgward
           printf "%s\n" "${COMPREPLY[@]}"' complete "$script" "$@"
}
expect() { # expect WHAT WORD... -- the completion of WORD... must offer WHAT
  local want=$1; shift
  complete_words "$@" | grep -qxF -- "$want" || { echo "'$*<TAB>' does not offer '$want'"; fail=1; }
}
commands=$("$pgward" --help | awk '/^commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{on=0}')
[ -n "$commands" ] || { echo "no commands found in pgward --help"; exit 1; }
for c in $commands; do
  expect "$c" pgward "${c:0:2}"
  for o in $("$pgward" "$c" --help | grep -oE -- '^ +(-[a-zA-Z], )?--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+'); do
    expect "$o" pgward "$c" --
  done
done
for o in $("$pgward" bundle verify --help | grep -oE -- '^ +--[a-z][a-z-]+' | grep -oE -- '--[a-z-]+'); do
  expect "$o" pgward bundle verify --
done
for id in $("$pgward" rules | awk '{print $1}'); do
  expect "$id" pgward rules ""
done
touch "$dir/mig.sql"
(cd "$dir" && complete_words pgward lint --policy x.policy "") | grep -qxF mig.sql ||
  { echo "'pgward lint --policy x.policy <TAB>' does not offer files"; fail=1; }
[ "$(complete_words pgward rules --format "")" = "" ] ||
  { echo "'pgward rules --format <TAB>' offers something other than nothing"; fail=1; }
[ $fail = 0 ] && echo "completion offers every command, option and rule id"
exit $fail
