#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# I/O errors injected into a short recording (docs/reliability.md): an
# LD_PRELOAD shim (tests/support/shim/fail_io.c) fails the Nth write,
# pwrite, fdatasync, fsync or ftruncate to the recording or its journal,
# for every N the recording makes, once (a transient error) and from then
# on (a disk gone). For each run:
#  - the recorder must not crash (no signal, no sanitizer report);
#  - exit 0 ("done") only if the file opens with plain h5py and holds the
#    frames the recorder reported: never success for data it did not keep;
#  - exit 1 with a message, and what was kept readable: the file (read with
#    SWMR) or its journal (`rollmat recover`).
# Prints the figures; exit status 1 if any run broke a rule.
#
# Usage: bench/ioinject.sh [SECONDS]   (the recording's length, default 1)
#   RMAT_IOINJECT_BUILD=DIR: programs from that build folder (else
#   build/release is configured and built).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-1}
py=/usr/bin/python3
check=$PWD/bench/crash_check.py
"$py" -c 'import h5py, numpy' 2>/dev/null || { echo "needs python3-h5py" >&2; exit 77; }
if [ -n "${RMAT_IOINJECT_BUILD:-}" ]; then
  build=$RMAT_IOINJECT_BUILD
else
  build=build/release
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_BUILD_TESTS=OFF -DRMAT_FIRMWARE=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmat-sim >/dev/null
fi
build=$(cd "$build" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-ioinject.XXXXXX")
trap 'rm -rf "$work"' EXIT
shim=$work/libfail_io.so
gcc -O2 -shared -fPIC -o "$shim" tests/support/shim/fail_io.c -ldl
preload=$shim
# An ASan build needs its runtime first in LD_PRELOAD.
libs=$(ldd "$build/rollmat" 2>/dev/null || true)
if grep -q libasan <<<"$libs"; then
  preload="$(gcc -print-file-name=libasan.so):$shim"
fi

run() { # N MODE: one recording; sets rc, err, rec
  local f=$work/sim.url
  rm -f "$f" "$work"/rec.h5* "$work/x.h5"
  "$build/firmware/boards/sim/rollmat-sim" --listen 127.0.0.1:0 --url-file "$f" --once \
    >/dev/null 2>&1 &
  local sim=$!
  for _ in $(seq 200); do [ -s "$f" ] && break; sleep 0.05; done
  rec=$work/rec.h5
  rc=0
  RMAT_FAIL_N=$1 RMAT_FAIL_MODE=$2 RMAT_FAIL_REPORT=$work/report LD_PRELOAD=$preload \
    "$build/rollmat" record -d "$(head -1 "$f")" -o "$rec" -t "$secs" --subject anonymous \
    >/dev/null 2>"$work/err" || rc=$?
  err=$(cat "$work/err")
  kill "$sim" 2>/dev/null || true
  wait "$sim" 2>/dev/null || true
}

run 0 once
[ "$rc" = 0 ] || { echo "a recording without faults failed: $err" >&2; exit 1; }
total=$(awk '{print $1}' "$work/report")
echo "bench/ioinject.sh: a ${secs} s recording makes $total counted calls; failing each, once and always"
ok=0 failed_clean=0 bad=0
for mode in once always; do
  for n in $(seq 1 "$total"); do
    run "$n" "$mode"
    why=""
    if [ "$rc" -ge 128 ] || grep -q -E 'ERROR: AddressSanitizer|runtime error' <<<"$err"; then
      why="crashed (status $rc)"
    elif [ "$rc" = 0 ]; then
      said=$(grep -o -E 'rec\.h5: [0-9]+ frames' <<<"$err" | grep -o -E '[0-9]+ frames' | cut -d' ' -f1 || true)
      if ! out=$("$py" "$check" plain "$rec" 2>&1); then
        why="reported success, but the file does not open plainly: $out"
      elif [ -n "$said" ] && [ "$(cut -d' ' -f1 <<<"$out")" != "$said" ]; then
        why="reported $said frames, the file holds $(cut -d' ' -f1 <<<"$out")"
      else
        ok=$((ok + 1))
      fi
    else
      if "$py" "$check" snap "$rec" "$work/s.npz" >/dev/null 2>&1 ||
        { [ -e "$rec.journal" ] && "$build/rollmat" recover "$rec.journal" -o "$work/x.h5" >/dev/null 2>&1; }; then
        failed_clean=$((failed_clean + 1))
      elif ! [ -e "$rec" ] && ! [ -e "$rec.journal" ]; then
        failed_clean=$((failed_clean + 1)) # failed before anything was kept
      else
        why="failed, and neither the file nor the journal reads: $(tail -1 <<<"$err")"
      fi
    fi
    if [ -n "$why" ]; then
      bad=$((bad + 1))
      echo "N=$n $mode: $why"
    fi
  done
done
echo "bench/ioinject.sh: $((2 * total)) runs: $ok succeeded with every reported frame kept," \
  "$failed_clean failed with a message and what was kept readable, $bad broke a rule"
[ "$bad" = 0 ]
