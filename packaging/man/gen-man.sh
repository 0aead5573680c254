#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes rollmat's man pages from the built programs' --help (help2man), so
# they cannot drift from it, plus an include per page for what --help lacks
# (files, examples, see also: NAME.h2m beside this file), and the recording
# format's page from docs/format.md (pandoc). One page per subcommand,
# rollmat-CMD(1), for each command `rollmat --help` lists.
#
# Usage: gen-man.sh OUT VERSION SRCDIR ROLLMAT ROLLMATD ROLLMAT-SIM [PANDOC]
# Writes OUT/pages/*.[158] (for tests and `man -l`) and OUT/manN/*.N.gz (to
# install).
set -euo pipefail
out=$1 version=$2 src=$3 rollmat=$4 rollmatd=$5 sim=$6 pandoc=${7:-}
inc=$src/packaging/man
rm -rf "$out/pages" "$out/man1" "$out/man5" "$out/man8" "$out/wrap"
mkdir -p "$out/pages" "$out/wrap"

h2m() { # h2m PAGE SECTION PROGRAM NAME-LINE [help2man options]
  local page=$1 section=$2 prog=$3 name=$4
  shift 4
  local -a incs=()
  [ ! -f "$inc/$page.h2m" ] || incs+=(--include "$inc/$page.h2m")
  [ ! -f "$out/wrap/$page.see-also.h2m" ] || incs+=(--include "$out/wrap/$page.see-also.h2m")
  help2man --no-info --no-discard-stderr --version-string="$version" --section="$section" \
    --source="rollmat $version" --name="$name" "${incs[@]}" "$@" \
    --output="$out/pages/$page.$section" "$prog"
}

# The subcommands and their one-line descriptions, from rollmat --help.
main_help=$("$rollmat" --help)
declare -A desc=()
declare -a cmds=()
while IFS= read -r line; do
  if [[ $line =~ ^\ \ ([a-z][a-z-]*)\ +(.*)$ ]]; then
    cmd=${BASH_REMATCH[1]}
    cmds+=("$cmd")
    desc[$cmd]=${BASH_REMATCH[2]}
  elif [[ $line =~ ^\ {4,}(.*)$ && ${#cmds[@]} -gt 0 ]]; then
    desc[$cmd]+=" ${BASH_REMATCH[1]}"
  fi
done < <(printf '%s\n' "$main_help" | awk '/^commands:/{f=1;next} f&&/^$/{exit} f{print}')
[ "${#cmds[@]}" -gt 0 ] || {
  echo "gen-man: no commands in '$rollmat --help'" >&2
  exit 1
}

see_also=()
for cmd in "${cmds[@]}"; do
  [ "$cmd" != version ] || continue
  page=rollmat-$cmd
  see_also+=("\\fB$page\\fR(1)")
  # A wrapper named after the page (help2man names the page after the
  # program) whose --help is `rollmat CMD --help`, and that of each word
  # after it that rollmat --help names (`record start|stop`).
  subs=$(printf '%s\n' "$main_help" | grep -oE "\`$cmd [a-z]+(\\|[a-z]+)+\`" | head -1 || true)
  subs=${subs//\`/}
  subs=${subs#"$cmd"}
  {
    echo '#!/bin/sh'
    echo '{'
    printf '"%s" %s --help\n' "$rollmat" "$cmd"
    last=$("$rollmat" "$cmd" --help)
    for w in ${subs//|/ }; do
      this=$("$rollmat" "$cmd" "$w" --help)
      if [ "$this" != "$last" ]; then
        echo echo
        printf '"%s" %s %s --help\n' "$rollmat" "$cmd" "$w"
      fi
      last=$this
    done
    printf '} | awk -f "%s"\n' "$inc/examples.awk"
  } >"$out/wrap/$page"
  chmod +x "$out/wrap/$page"
  printf '[SEE ALSO]\n\\fBrollmat\\fR(1), \\fBrollmat-recording\\fR(5); the documentation in\nshare/doc/rollmat under the installation prefix (/usr for the Debian package).\n' \
    >"$out/wrap/$page.see-also.h2m"
  line=${desc[$cmd]//\`/}
  h2m "$page" 1 "$out/wrap/$page" "$line" --help-option=--help --no-discard-stderr
done

{
  echo '[SEE ALSO]'
  printf '%s,\n' "${see_also[@]}"
  printf '%s\n' '\fBrollmatd\fR(8), \fBrollmat-sim\fR(1), \fBrollmat-recording\fR(5); the' \
    'documentation in share/doc/rollmat under the installation prefix (/usr for the Debian' \
    'package).'
} >"$out/wrap/rollmat.see-also.h2m"
# rollmat(1): the commands as a section of their own, each with its page
# (help2man would run the table into one paragraph), and the rest of
# rollmat --help as it is.
{
  echo '[COMMANDS]'
  for cmd in "${cmds[@]}"; do
    printf '.TP\n.B %s\n%s' "$cmd" "${desc[$cmd]//\`/}"
    [ "$cmd" = version ] || printf ' \\%%(\\fBrollmat\\-%s\\fR(1))' "$cmd"
    printf '\n'
  done
} >"$out/wrap/rollmat.commands.h2m"
# wrapper NAME COMMAND...: $out/wrap/NAME/NAME, whose output is COMMAND's
# through examples.awk (help2man names the page after the program).
wrapper() {
  local name=$1
  shift
  mkdir -p "$out/wrap/$name"
  printf '#!/bin/sh\n%s | awk -f "%s"\n' "$*" "$inc/examples.awk" >"$out/wrap/$name/$name"
  chmod +x "$out/wrap/$name/$name"
}
wrapper rollmat "\"$rollmat\" --help | awk '/^commands:/ { f = 1; next } f && /^\$/ { f = 0; next } !f'"
wrapper rollmatd "\"$rollmatd\" --help"
wrapper rollmat-sim "\"$sim\" --help"
h2m rollmat 1 "$out/wrap/rollmat/rollmat" "record and analyse pressure-mat sessions of foam rolling" \
  --include "$out/wrap/rollmat.commands.h2m"
h2m rollmatd 8 "$out/wrap/rollmatd/rollmatd" "the rollmat acquisition daemon: keeps a mat connected and records on command"
h2m rollmat-sim 1 "$out/wrap/rollmat-sim/rollmat-sim" "the virtual mat: a simulated pressure mat that speaks rollmat's wire protocol"

# The recording format: docs/format.md (less its first heading, the page's
# title) between a NAME and a SEE ALSO section; its tables as lists.
if [ -n "$pandoc" ]; then
  sed '1{/^# /d}' "$src/docs/format.md" >"$out/wrap/format.md"
  "$pandoc" --standalone --from=markdown --to=man --shift-heading-level-by=-1 \
    --lua-filter="$inc/tables-to-lists.lua" \
    --metadata=title=ROLLMAT-RECORDING --metadata=section=5 \
    --metadata=header="rollmat file formats" --metadata=footer="rollmat $version" \
    --metadata=date="$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" '+%B %Y')" \
    "$inc/rollmat-recording.head.md" "$out/wrap/format.md" "$inc/rollmat-recording.tail.md" \
    --output="$out/pages/rollmat-recording.5"
fi

for f in "$out"/pages/*; do
  n=${f##*.}
  mkdir -p "$out/man$n"
  gzip -9n <"$f" >"$out/man$n/${f##*/}.gz"
done
