#!/usr/bin/env bash
# tests/cli/check_links.sh ROOT: fails on a relative markdown link, in README.md or
# any page under docs/, to a file that does not exist, or to a heading (#anchor)
# that a markdown target does not have. External links (scheme:, //) and links
# inside code are not checked: the manual must not point into the void, and a link
# can only be checked here when it stays in the repository.
set -u
root=$1
fail=0
# GitHub's anchor of a heading outside code: lowercase, punctuation but '-' and
# '_' dropped, spaces to '-'.
anchors() {
  awk '/^```/{code=!code; next} !code' "$1" | grep -E '^#{1,6} ' | sed -E 's/^#+ +//' |
    tr 'A-Z' 'a-z' |
    sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}
while IFS= read -r -d '' page; do
  dir=$(dirname "$page")
  # drop fenced code blocks and inline code, then take every ](target)
  links=$(awk '/^```/{code=!code; next} !code' "$page" | sed -E 's/`[^`]*`//g' |
            grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//')
  for link in $links; do
    case $link in
      *://*|mailto:*|//*) continue ;;
    esac
    target=${link%%#*}
    anchor=
    [ "$target" != "$link" ] && anchor=${link#*#}
    if [ -z "$target" ]; then
      file=$page
    else
      file=$dir/$target
    fi
    rel=${page#"$root"/}
    if [ ! -e "$file" ]; then
      echo "$rel: link to a missing file: $link"; fail=1; continue
    fi
    if [ -n "$anchor" ] && [ -f "$file" ] && [[ $file == *.md ]]; then
      anchors "$file" | grep -qxF -- "$anchor" ||
        { echo "$rel: link to a missing heading: $link"; fail=1; }
    fi
  done
done < <(find "$root/README.md" "$root/docs" -name '*.md' -print0)
[ $fail = 0 ] && echo "every relative link resolves"
exit $fail
