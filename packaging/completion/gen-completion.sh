#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the bash completion of rollmat, rollmatd and rollmat-sim from the
# built programs' --help, so it cannot drift from them: the subcommands
# from `rollmat --help`, each one's options (and their arguments) from
# `rollmat CMD --help`. What is not in --help, how an argument is completed
# (a recording, a calibration, a scene, a folder), follows from its
# placeholder (REC.h5, FILE, DIR, left|right|none) and the option's name;
# the shell code is completion.bash.in beside this file.
#
# Usage: gen-completion.sh OUT ROLLMAT ROLLMATD ROLLMAT-SIM
# shellcheck disable=SC2034 # words, pos: read through assoc's nameref
set -euo pipefail
out=$1 rollmat=$2 rollmatd=$3 sim=$4
here=$(cd "$(dirname "$0")" && pwd)

# kind OPTION ARG: how the argument of OPTION is completed.
kind() {
  local opt=$1 arg=$2
  case $opt in
  --scene) echo scene; return ;;
  esac
  case $arg in
  NEW.*) echo file ;;
  *.journal) echo journal ;;
  *.h5 | *.h5\|DIR) echo h5 ;;
  *.cal) echo cal ;;
  DIR | DIR[0-9]* | OUT | OUT[0-9]*) echo dir ;;
  FILE | FILE.* | PATH)
    case $opt in
    --calibration) echo cal ;;
    *) echo file ;;
    esac
    ;;
  *[a-z]\|[a-z]*) echo "choice:${arg//|/ }" ;;
  *) echo value ;;
  esac
}

# parse KEY HELP: appends KEY's options to opts[KEY] and their argument
# kinds to args["KEY OPTION"]. Option lines (indented at most 8 columns,
# starting with '-') first, then the usage lines, for options listed only
# there ("[--region R]"); a placeholder is one space after its option, in
# capitals or as choices (a|b).
declare -A opts=() args=()
parse() {
  local key=$1 help=$2 line tok opt arg short
  local -a lines
  mapfile -t lines < <(printf '%s\n' "$help" | grep -E '^ {1,8}-' || true)
  mapfile -t -O "${#lines[@]}" lines < <(printf '%s\n' "$help" | awk '/^usage:/{u=1} u&&/^$/{exit} u{print}')
  for line in "${lines[@]}"; do
    short=''
    while read -r tok; do
      [ -n "$tok" ] || continue
      opt=${tok%% *}
      arg=''
      [ "$opt" = "$tok" ] || arg=${tok#* }
      arg=${arg%%]*}
      arg=${arg%,}
      case $arg in *\|-*) arg=${arg%%|-*} ;; esac
      case $arg in
      [A-Z]* | *[a-z]\|[a-z]*) ;;
      *) arg='' ;;
      esac
      case " ${opts[$key]-} " in
      *" $opt "*) ;;
      *) opts[$key]="${opts[$key]-} $opt" ;;
      esac
      if [ -n "$arg" ] && [ -z "${args["$key $opt"]-}" ]; then
        args["$key $opt"]=$(kind "$opt" "$arg")
        # "-o, --output DIR": the short option takes the same argument.
        if [ -n "$short" ] && [ -z "${args["$key $short"]-}" ]; then
          args["$key $short"]=${args["$key $opt"]}
        fi
      fi
      case $opt in --*) short='' ;; *) short=$opt ;; esac
    done < <(printf '%s\n' "$line" | grep -oE -- '(^|[ [])(-[a-zA-Z]|--[a-z][a-z0-9-]*)( [^ -][^ ]*)?' |
      sed -E 's/^[ [ ]//')
  done
}

main_help=$("$rollmat" --help)
mapfile -t cmds < <(printf '%s\n' "$main_help" |
  awk '/^commands:/{f=1;next} f&&/^$/{exit} f&&/^  [a-z]/{print $1}')
[ "${#cmds[@]}" -gt 0 ] || {
  echo "gen-completion: no commands in '$rollmat --help'" >&2
  exit 1
}
declare -A words=() pos=()
for cmd in "${cmds[@]}"; do
  [ "$cmd" != version ] || continue
  help=$("$rollmat" "$cmd" --help)
  parse "$cmd" "$help"
  usage=$(printf '%s\n' "$help" | sed -n '1s/^usage: *rollmat [a-z]* *//p')
  case " $usage" in
  *.journal*) pos[$cmd]=journal ;;
  *REC.h5*) pos[$cmd]=h5 ;;
  " DIR"*) pos[$cmd]=dir ;;
  esac
  # `record start|stop` in rollmat --help: words after the command, each
  # with its own --help.
  sub=$(printf '%s\n' "$main_help" | grep -oE "\`$cmd [a-z]+(\\|[a-z]+)+\`" | head -1 || true)
  if [ -n "$sub" ]; then
    sub=${sub//\`/}
    sub=${sub#"$cmd "}
    words[$cmd]=${sub//|/ }
    for w in ${words[$cmd]}; do
      parse "$cmd $w" "$("$rollmat" "$cmd" "$w" --help)"
    done
  fi
done
parse rollmatd "$("$rollmatd" --help)"
parse rollmat-sim "$("$sim" --help)"

# assoc NAME: NAME's entries as bash source, sorted so the file is stable.
assoc() {
  local -n a=$1
  local k
  for k in "${!a[@]}"; do
    printf "  [%q]=%q\n" "$k" "${a[$k]# }"
  done | LC_ALL=C sort
}
tmp=$out.tmp
{
  echo "# bash completion for rollmat, rollmatd and rollmat-sim."
  echo "# Generated from the programs' --help by packaging/completion/gen-completion.sh."
  echo "_rollmat_cmds='${cmds[*]}'"
  echo "declare -gA _rollmat_opts=("
  assoc opts
  echo ")"
  echo "declare -gA _rollmat_arg=("
  assoc args
  echo ")"
  echo "declare -gA _rollmat_pos=("
  assoc pos
  echo ")"
  echo "declare -gA _rollmat_words=("
  assoc words
  echo ")"
  cat "$here/completion.bash.in"
} >"$tmp"
bash -n "$tmp"
mv "$tmp" "$out"
