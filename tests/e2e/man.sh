#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The man pages the build made render without a warning at 80 columns, and
# rollmat(1) names every subcommand: those of the command table in
# tools/rollmat/main.c (one name per handler: `analyse` is `analyze`), so a
# command missing from `rollmat --help` fails here too.
#
# Usage: man.sh BUILD_DIR SOURCE_DIR    (ctest runs it: test_man)
set -euo pipefail
build=$1 src=$2
. "$src/tests/e2e/lib.sh"
pages=$build/man/pages
[ -d "$pages" ] || {
  echo "man: no pages (help2man was not found at configure time)"
  exit 77
}

n=0
for page in "$pages"/*.[158]; do
  err=$(MANWIDTH=80 man -l -Tutf8 "$page" 2>&1 >/dev/null)
  [ -z "$err" ] || fail "${page##*/}: $err"
  n=$((n + 1))
done
for page in rollmat.1 rollmatd.8 rollmat-sim.1 rollmat-recording.5; do
  [ -f "$pages/$page" ] || fail "no $page"
done

text=$(MANWIDTH=80 man -l "$pages/rollmat.1" 2>/dev/null)
mapfile -t cmds < <(grep -oE '\{"[a-z-]+", *cli_[a-z_]+\}' "$src/tools/rollmat/main.c" |
  sed -E 's/\{"([a-z-]+)", *(cli_[a-z_]+)\}/\1 \2/' | awk '!seen[$2]++ {print $1}')
[ "${#cmds[@]}" -gt 5 ] || fail "could not read the command table of tools/rollmat/main.c"
for cmd in "${cmds[@]}" version; do
  grep -qE "^ +$cmd( |$)" <<<"$text" || fail "rollmat(1) does not list the subcommand $cmd"
  [ "$cmd" = version ] || [ -f "$pages/rollmat-$cmd.1" ] || fail "no rollmat-$cmd.1"
done
echo "man: $n pages render cleanly; rollmat(1) lists ${#cmds[@]} subcommands and version"
