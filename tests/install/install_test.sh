#!/usr/bin/env bash
# tests/install/install_test.sh BUILD_DIR SOURCE_DIR VERSION: installs the build
# tree into a temporary prefix (`cmake --install`) and uses what was installed: the
# binary (--version, a lint, a rule's doc), every man page (rendered by man), the
# bash completion (loaded by bash-completion from the prefix, then completing
# `pgward li`), the zsh completion (syntax, found by compinit, and TAB in an
# interactive zsh: a command, an option, a rule id, a file); then builds the
# Debian package with cpack and checks its name, contents and Depends, and runs the
# binary extracted from it.
set -u
build=$1 src=$(cd "$2" && pwd) version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
pgward=$prefix/bin/pgward
fixtures=$src/tests/install

# --- the binary
"$pgward" --version | grep -qx "pgward $version" || bad "'pgward --version' does not say $version"
"$pgward" lint "$fixtures/clean.sql" >"$tmp/out" 2>&1 || { cat "$tmp/out"; bad "lint of clean.sql failed"; }
"$pgward" lint "$fixtures/broken.sql" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "broken.sql:1:1: error: .*\[syntax-error\]" "$tmp/out" ||
  { cat "$tmp/out"; bad "lint of broken.sql: exit $rc, expected 1 and a syntax-error finding"; }
"$pgward" rules syntax-error | grep -q "syntax-error" || bad "'pgward rules syntax-error' prints no doc"

# --- what is installed besides it
for f in share/doc/pgward/copyright share/doc/pgward/rules/POLICY.md \
         share/doc/pgward/rules/syntax-error.md share/doc/pgward/rules/functions.allow \
         share/doc/pgward/rules/staging.policy; do
  [ -s "$prefix/$f" ] || bad "$f is not installed"
done

# --- man pages: one per docs/commands/pgward*.md, each rendered without a warning
#     (groff's notes about tables wider than 80 columns aside)
if ! grep -q "^PANDOC:FILEPATH=/" "$build/CMakeCache.txt"; then
  bad "pandoc was not found when $build was configured, so no man page was built: apt-get install pandoc, then re-run cmake"
else
  for md in "$src"/docs/commands/pgward*.md; do
    page=$(basename "$md" .md)
    man1=$prefix/share/man/man1/$page.1
    if [ ! -f "$man1" ]; then
      bad "no man page $page.1 for docs/commands/$page.md"; continue
    fi
    MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$man1" >"$tmp/man" 2>"$tmp/man.err"
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$page")
    head -n 1 "$tmp/man" | grep -q "^$upper(1)" || bad "man -l $page.1 does not render its title $upper(1)"
    # a table wider than the terminal is groff's layout note, not a broken page: any
    # other warning (an unknown macro, a bad escape) fails
    grep -v -e "table wider than line width" -e "cannot adjust line" \
        -e "^warning: file '<standard input>', around line" "$tmp/man.err" >"$tmp/man.real" || true
    [ -s "$tmp/man.real" ] && { cat "$tmp/man.real"; bad "man -l $page.1 warns"; }
  done
  [ -f "$prefix/share/man/man1/pgward-lint.1" ] || bad "no man page pgward-lint.1"
fi

# --- bash completion, from where bash-completion looks for it ($XDG_DATA_DIRS)
bashcomp=$prefix/share/bash-completion/completions/pgward
[ -f "$bashcomp" ] || bad "the bash completion is not installed"
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pgward
           printf "%s\n" "${COMPREPLY[@]}"' complete "$bashcomp" "$@"
}
[ "$(complete_words pgward li)" = lint ] || bad "'pgward li<TAB>' does not complete to lint"
bash -c "source '$bashcomp'; complete -p pgward" | grep -q -- "-F _pgward pgward" ||
  bad "sourcing the bash completion does not register it"
if [ -f /usr/share/bash-completion/bash_completion ]; then
  XDG_DATA_DIRS=$prefix/share bash -c '. /usr/share/bash-completion/bash_completion
    __load_completion pgward && complete -p pgward' >"$tmp/out" 2>&1 &&
    grep -q -- "-F _pgward pgward" "$tmp/out" ||
    { cat "$tmp/out"; bad "bash-completion does not find the completion in $prefix/share"; }
fi

# --- zsh completion: valid zsh, and compinit maps pgward to it
zshcomp=$prefix/share/zsh/vendor-completions/_pgward
[ -f "$zshcomp" ] || bad "the zsh completion is not installed"
if command -v zsh >/dev/null; then
  zsh -n "$zshcomp" || bad "the zsh completion is not valid zsh"
  got=$(HOME=$tmp zsh -f -c "fpath=('$prefix/share/zsh/vendor-completions' \$fpath)
        autoload -U compinit && compinit -u -D && print -r -- \$_comps[pgward]" 2>&1)
  [ "$got" = _pgward ] || bad "compinit does not map pgward to _pgward (got '$got')"
  # what TAB makes of a line in an interactive zsh
  (cd "$fixtures" && timeout 60 zsh -f "$fixtures/zsh_complete.zsh" "$prefix/share/zsh/vendor-completions" \
     "$prefix/bin" 'pgward li' 'pgward lint --error-on' 'pgward rules syntax-e' 'pgward lint bro') \
    >"$tmp/zsh.out" 2>&1
  printf '%s\n' 'RESULT: pgward lint' 'RESULT: pgward lint --error-on-warnings' \
    'RESULT: pgward rules syntax-error' 'RESULT: pgward lint broken.sql' >"$tmp/zsh.want"
  diff "$tmp/zsh.want" "$tmp/zsh.out" >/dev/null ||
    { diff "$tmp/zsh.want" "$tmp/zsh.out"; bad "zsh does not complete pgward as expected"; }
fi

# --- the Debian package
arch=$(dpkg --print-architecture)
deb=$tmp/deb/pgward_${version}_${arch}.deb
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/deb" >"$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; bad "cpack -G DEB failed"; }
if [ -f "$deb" ]; then
  dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/contents"
  for f in ./usr/bin/pgward ./usr/share/man/man1/pgward-lint.1 \
           ./usr/share/bash-completion/completions/pgward \
           ./usr/share/zsh/vendor-completions/_pgward ./usr/share/doc/pgward/copyright \
           ./usr/share/doc/pgward/rules/POLICY.md; do
    grep -qxF "$f" "$tmp/contents" || bad "the package does not hold $f"
  done
  depends=$(dpkg-deb -f "$deb" Depends)
  for lib in libpg-query libcjson libpq5 libpcre2-8 libssl3 libc6; do
    grep -q "\b$lib" <<<"$depends" || bad "Depends '$depends' lacks $lib"
  done
  for field in Maintainer Section Homepage Description; do
    [ -n "$(dpkg-deb -f "$deb" "$field")" ] || bad "the package has no $field"
  done
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || bad "the package's version is not $version"
  dpkg-deb -x "$deb" "$tmp/root"
  "$tmp/root/usr/bin/pgward" --version | grep -qx "pgward $version" ||
    bad "the packaged pgward does not say $version"
  "$tmp/root/usr/bin/pgward" lint "$fixtures/broken.sql" >/dev/null 2>&1
  [ $? = 1 ] || bad "the packaged pgward does not fail broken.sql"
else
  ls "$tmp/deb" 2>/dev/null
  bad "cpack made no $(basename "$deb")"
fi

[ $fail = 0 ] && echo "installed pgward, its man pages, completions and package work"
exit $fail
