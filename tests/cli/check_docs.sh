#!/usr/bin/env bash
# tests/cli/check_docs.sh PGWARD DOCS: fails when the code, the --help texts and the
# manual drift apart. DOCS is docs/commands/: every command in `pgward --help` must
# have its page DOCS/pgward-<command>.md, every long option of `pgward <command>
# --help` (and of each subcommand that has a --help of its own, such as `bundle
# verify`) must appear in that page, every page must name a real command, and the
# overview DOCS/pgward.md must name every command.
set -u
pgward=$1 docs=$2
fail=0
commands=$("$pgward" --help | awk '/^commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{on=0}')
[ -n "$commands" ] || { echo "no commands found in pgward --help"; exit 1; }
[ -f "$docs/pgward.md" ] || { echo "$docs/pgward.md (the overview) is missing"; fail=1; }
# the long options a --help text lists, one a line
long_options() { grep -oE -- '--[a-z][a-z-]+' | sort -u; }
for c in $commands; do
  page=$docs/pgward-$c.md
  if [ ! -f "$page" ]; then
    echo "$page is missing: 'pgward $c' has no page"; fail=1; continue
  fi
  grep -qF -- "pgward $c" "$docs/pgward.md" 2>/dev/null ||
    grep -qE -- "\| \`$c\` \|" "$docs/pgward.md" 2>/dev/null ||
    { echo "$docs/pgward.md does not name the command '$c'"; fail=1; }
  help=$("$pgward" "$c" --help)
  # subcommands: the second word of each usage line ("pgward audit sync ...")
  subs=$(sed -n 's/^ *\(usage: \)\{0,1\}pgward '"$c"' \([a-z][a-z-]*\).*/\2/p' <<<"$help" | sort -u)
  opts=$(long_options <<<"$help")
  for s in $subs; do
    sub_help=$("$pgward" "$c" "$s" --help 2>/dev/null) || continue
    [ "$sub_help" = "$help" ] && continue
    opts=$(printf '%s\n%s\n' "$opts" "$(long_options <<<"$sub_help")" | sort -u)
  done
  for o in $opts; do
    grep -qF -- "$o" "$page" || { echo "$page does not mention $o"; fail=1; }
  done
done
for page in "$docs"/pgward-*.md; do
  [ -e "$page" ] || continue
  c=$(basename "$page" .md); c=${c#pgward-}
  grep -qx -- "$c" <<<"$commands" ||
    { echo "$page documents 'pgward $c', which pgward --help does not list"; fail=1; }
done
[ $fail = 0 ] && echo "docs match --help"
exit $fail
