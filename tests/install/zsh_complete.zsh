# tests/install/zsh_complete.zsh FPATH_DIR BIN_DIR LINE...: types each LINE into an
# interactive zsh (zsh/zpty) whose fpath has FPATH_DIR, presses TAB twice, and
# prints "RESULT: " and the command line completion made of it, one per LINE.
# Reads until its own end marker, so nothing waits for a fixed time.
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); path=(${(q)2} \$path); autoload -U compinit; compinit -u -D"
shift 2
for line in "$@"; do
  zpty -w -n z "$line"$'\t\t'
  zpty -w z $'\C-aprint -r -- RESULT: '
done
zpty -w z 'print END''MARK'
out=
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *ENDMARK$'\r'* ]] && break
done
zpty -d z
print -r -- "$out" | tr -d '\r' | grep -o 'RESULT: .*'
