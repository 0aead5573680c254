#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Crash loops (docs/reliability.md), printing figures:
#  1. KILLS times: `rollmat record` killed with SIGKILL at a random moment
#     (0.2-3 s after its file appears); then `rollmat recover --in-place`.
#  2. DKILLS times: rollmatd killed with SIGKILL while recording, and
#     started again (it completes the file left open by itself).
#  3. TORN times: a complete journal cut at a random offset, or a random bit
#     of it flipped, recovered with `rollmat recover -o`.
# Each file left by 1 and 2 must then open with plain h5py (no swmr=True),
# hold every frame received more than 1 s before the kill, and be exact: the
# frames of the file as the crash left it, identical, and no hole in seq.
# Each recording of 3 must hold only frames identical to the journal's
# frame of the same seq (never a wrong frame). Prints one line per loop and
# the figures; exit status 1 if any check failed.
#
# Usage: bench/crash.sh [KILLS] [DKILLS] [TORN]   (defaults 100 100 100)
#   RMAT_CRASH_BUILD=DIR: programs from that build folder (else build/release
#   is configured and built); RMAT_CRASH_SEED=N: the random moments.
# Needs Debian's python3-h5py (bench/crash_check.py); exit 77 without it.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-100}
dkills=${2:-100}
torn=${3:-100}
RANDOM=${RMAT_CRASH_SEED:-20261205}
py=/usr/bin/python3
check=$PWD/bench/crash_check.py
if ! "$py" -c 'import h5py, numpy' 2>/dev/null; then
  echo "bench/crash.sh: needs /usr/bin/python3 with h5py and numpy (python3-h5py)" >&2
  exit 77
fi
if [ -n "${RMAT_CRASH_BUILD:-}" ]; then
  build=$RMAT_CRASH_BUILD
else
  build=build/release
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_BUILD_TESTS=OFF -DRMAT_FIRMWARE=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmatd rollmat-sim >/dev/null
fi
build=$(cd "$build" && pwd)
rollmat=$build/rollmat
rollmatd=$build/rollmatd
sim=$build/firmware/boards/sim/rollmat-sim
work=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-crash.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
now_ns() { date +%s%N; }
rand_ms() { echo $((200 + RANDOM % 2800)); } # 0.2 .. 3 s
sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }
wait_file() { # PATH TIMEOUT_S
  for _ in $(seq $(($2 * 20))); do [ -e "$1" ] && return 0; sleep 0.05; done
  return 1
}
start_sim() { # N: starts a virtual mat for one host; sets url
  local f=$work/sim$1.url
  rm -f "$f"
  "$sim" --listen 127.0.0.1:0 --url-file "$f" --once >/dev/null 2>&1 &
  sim_pid=$!
  pids+=("$sim_pid")
  wait_file "$f" 10 || { echo "the virtual mat did not start" >&2; exit 1; }
  url=$(head -1 "$f")
}
max_loss_ns=0
note_loss() { # LAST_T_NS KILL_NS LABEL START_NS
  # Nothing was received before the recording started: a file killed
  # before its first frame reached the disk lost only kill - start.
  local last=$1
  [ "$last" -lt "$4" ] && last=$4
  local loss=$(($2 - last))
  [ "$loss" -gt "$max_loss_ns" ] && max_loss_ns=$loss
  [ "$loss" -le 1000000000 ] || fail "$3: last frame $(awk -v l="$loss" 'BEGIN{printf "%.2f", l/1e9}') s before the kill"
}
# After a kill: FILE left open; snapshot, complete (COMPLETE_CMD...), check.
opened=0
exact=0
check_completed() { # LABEL FILE KILL_NS START_NS
  local label=$1 file=$2 kill_ns=$3 start_ns=$4 out frames last
  if out=$("$py" "$check" plain "$file" 2>&1); then
    opened=$((opened + 1))
    read -r frames last <<<"$out"
    note_loss "$last" "$kill_ns" "$label" "$start_ns"
  else
    fail "$label: $out"
    return
  fi
  if out=$("$py" "$check" same "$work/snap.npz" "$file" 2>&1); then
    exact=$((exact + 1))
  else
    fail "$label: $out"
  fi
}

# --- 1. rollmat record, killed ----------------------------------------------
t0=$SECONDS
for i in $(seq 1 "$kills"); do
  start_sim "r$i"
  rec=$work/rec$i.h5
  "$rollmat" record -d "$url" -o "$rec" --subject anonymous >/dev/null 2>&1 &
  recorder=$!
  pids+=("$recorder")
  wait_file "$rec" 10 || { fail "kill $i: no file"; continue; }
  start_ns=$(now_ns)
  sleep_ms "$(rand_ms)"
  kill_ns=$(now_ns)
  kill -9 "$recorder"
  wait "$recorder" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  "$py" "$check" snap "$rec" "$work/snap.npz" >/dev/null 2>&1 || fail "kill $i: the file left open does not read with SWMR"
  [ "$i" = 1 ] && cp "$rec.journal" "$work/keep.journal" # for the torn loop
  if ! "$rollmat" recover --in-place "$rec.journal" >/dev/null 2>"$work/recover.err"; then
    fail "kill $i: recover --in-place: $(cat "$work/recover.err")"
    continue
  fi
  [ -e "$rec.journal" ] && fail "kill $i: the journal is still there"
  check_completed "kill $i" "$rec" "$kill_ns" "$start_ns"
  rm -f "$rec"
done
echo "rollmat record: $kills kills in $((SECONDS - t0)) s: $opened opened with plain h5py, $exact exact," \
  "max loss $(awk -v l="$max_loss_ns" 'BEGIN{printf "%.2f", l/1e9}') s"
rec_opened=$opened rec_exact=$exact rec_loss=$max_loss_ns

# --- 2. rollmatd, killed and started again ---------------------------------
t0=$SECONDS
opened=0 exact=0 max_loss_ns=0
dir=$work/recs
sock=$work/ctl.sock
for i in $(seq 1 "$dkills"); do
  start_sim "d$i"
  "$rollmatd" --device "$url" --socket "$sock" --dir "$dir" --no-http >"$work/d.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  wait_file "$sock" 10 || { fail "daemon kill $i: no socket"; continue; }
  for _ in $(seq 100); do
    "$rollmat" status --raw --socket "$sock" 2>/dev/null | grep -q connected=1 && break
    sleep 0.1
  done
  start_ns=$(now_ns)
  rec=$("$rollmat" record start --subject anonymous --socket "$sock" 2>/dev/null | tail -1)
  [ -n "$rec" ] && wait_file "$rec" 10 || { fail "daemon kill $i: no recording"; kill "$daemon"; wait "$daemon" || true; continue; }
  sleep_ms "$(rand_ms)"
  kill_ns=$(now_ns)
  kill -9 "$daemon"
  wait "$daemon" 2>/dev/null || true
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  "$py" "$check" snap "$rec" "$work/snap.npz" >/dev/null 2>&1 || fail "daemon kill $i: the file left open does not read with SWMR"
  # started again (without a mat: it completes the file at start)
  "$rollmatd" --device tcp://127.0.0.1:1 --socket "$sock" --dir "$dir" --no-http >"$work/d2.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  for _ in $(seq 200); do [ -e "$rec.journal" ] || break; sleep 0.05; done
  [ -e "$rec.journal" ] && fail "daemon kill $i: the journal is still there: $(cat "$work/d2.log")"
  kill "$daemon"
  wait "$daemon" 2>/dev/null || true
  check_completed "daemon kill $i" "$rec" "$kill_ns" "$start_ns"
  rm -f "$rec"
done
echo "rollmatd: $dkills kills in $((SECONDS - t0)) s: $opened opened with plain h5py after the restart," \
  "$exact exact, max loss $(awk -v l="$max_loss_ns" 'BEGIN{printf "%.2f", l/1e9}') s"

# --- 3. torn and bit-flipped journals ---------------------------------------
t0=$SECONDS
wrong=0 recovered=0 refused=0
if [ "$torn" -gt 0 ] && [ -e "$work/keep.journal" ]; then
  "$rollmat" recover "$work/keep.journal" -o "$work/truth.h5" >/dev/null 2>&1
  "$py" "$check" truth "$work/truth.h5" "$work/truth.npz"
  size=$(stat -c %s "$work/keep.journal")
  for i in $(seq 1 "$torn"); do
    j=$work/t.h5.journal
    at=$(( (RANDOM * 32768 + RANDOM) % size ))
    if [ $((i % 2)) = 0 ]; then
      head -c "$at" "$work/keep.journal" >"$j" # torn
    else
      cp "$work/keep.journal" "$j" # one bit flipped
      byte=$(od -An -tu1 -j "$at" -N1 "$j" | tr -d ' ')
      printf "$(printf '\\%03o' $((byte ^ (1 << (RANDOM % 8)))))" |
        dd of="$j" bs=1 seek="$at" conv=notrunc status=none
    fi
    rm -f "$work/t.h5"
    if "$rollmat" recover "$j" -o "$work/t.h5" >/dev/null 2>&1; then
      if out=$("$py" "$check" subset "$work/truth.npz" "$work/t.h5" 2>&1); then
        recovered=$((recovered + 1))
      else
        wrong=$((wrong + 1))
        fail "journal $i (at byte $at): $out"
      fi
    else
      refused=$((refused + 1)) # META itself damaged: refused, nothing written
    fi
  done
fi
echo "journals: $torn torn or bit-flipped in $((SECONDS - t0)) s: $recovered recovered, $refused refused" \
  "(session record hit), $wrong with a wrong frame"
[ "$failures" = 0 ] || { echo "bench/crash.sh: $failures checks failed"; exit 1; }
