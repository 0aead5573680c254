#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion the build made, sourced as bash-completion does (from
# inside a function), offers: every subcommand of the command table in
# tools/rollmat/main.c for `rollmat <TAB>`; --calibration for `rollmat
# analyze --cal<TAB>`; calibration files for its argument, journals for
# recover, scenes for rollmat-sim --scene, start and stop after record.
#
# Usage: completion.sh BUILD_DIR SOURCE_DIR    (ctest runs it: test_completion)
set -euo pipefail
build=$1 src=$2
. "$src/tests/e2e/lib.sh"
# shellcheck source=/dev/null # made by the build
load() { . "$build/completion/rollmat"; }
load

# complete WORDS...: COMPREPLY for the command line WORDS (the last word is
# the one being completed), sorted, one a line.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  case $1 in
  rollmat) _rollmat ;;
  rollmatd) _rollmatd ;;
  rollmat-sim) _rollmat_sim ;;
  esac
  printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got [${2//$'\n'/ }], want [${3//$'\n'/ }]"
}

got=$(complete_line rollmat '')
mapfile -t cmds < <(grep -oE '\{"[a-z-]+", *cli_[a-z_]+\}' "$src/tools/rollmat/main.c" |
  sed -E 's/\{"([a-z-]+)", *(cli_[a-z_]+)\}/\1 \2/' | awk '!seen[$2]++ {print $1}')
[ "${#cmds[@]}" -gt 5 ] || fail "could not read the command table of tools/rollmat/main.c"
for cmd in "${cmds[@]}" version; do
  grep -qx "$cmd" <<<"$got" || fail "rollmat <TAB> does not offer $cmd"
done

expect "rollmat analyze --cal<TAB>" "$(complete_line rollmat analyze --cal)" --calibration
expect "rollmat rec<TAB>" "$(complete_line rollmat rec)" $'record\nrecover'
expect "rollmat record <TAB>" "$(complete_line rollmat record '')" $'start\nstop'
grep -qx -- --subject <<<"$(complete_line rollmat record start --)" ||
  fail "rollmat record start --<TAB> does not offer --subject"
expect "rollmat record --side <TAB>" "$(complete_line rollmat record --side '')" $'left\nnone\nright'
grep -qx -- --scene <<<"$(complete_line rollmat-sim --sc)" || fail "rollmat-sim --sc<TAB>"
grep -qx -- --device <<<"$(complete_line rollmatd --dev)" || fail "rollmatd --dev<TAB>"

# Files by kind, in a folder of each kind of file.
tmp=$(mktemp -d "$build/tests/tmp/completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir sub
touch a.cal b.h5 c.scene d.h5.journal e.txt
expect "rollmat analyze --calibration <TAB>" "$(complete_line rollmat analyze --calibration '')" \
  $'a.cal\nsub'
expect "rollmat analyze --calibration=<TAB>" \
  "$(complete_line rollmat analyze --calibration = '')" $'a.cal\nsub'
expect "rollmat analyze <TAB>" "$(complete_line rollmat analyze '')" $'b.h5\nsub'
expect "rollmat recover <TAB>" "$(complete_line rollmat recover '')" $'d.h5.journal\nsub'
expect "rollmat-sim --scene <TAB>" "$(complete_line rollmat-sim --scene '')" $'c.scene\nsub'
expect "rollmat trend <TAB>" "$(complete_line rollmat trend '')" sub

# bash-completion sources the file from inside a function: the tables must
# still be global.
unset _rollmat_opts _rollmat_arg _rollmat_pos _rollmat_words
load
expect "after a load from a function" "$(complete_line rollmat analyze --cal)" --calibration
echo "completion: ${#cmds[@]} subcommands, options and files by kind offered"
