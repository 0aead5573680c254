#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How much HDF5's built-in shuffle + deflate saves on recordings, and what it
# costs the analysis (prints figures; not a test). For each storage (none,
# deflate levels 1, 4 and 9) the same recording is rewritten in rollmat's
# layout (bench/h5py_writer.py, 64-frame chunks as rollmat writes a 32x32
# mat), and the table gives its size against the raw counts and the time of
# `rollmat analyze --no-plot` on it against the floor of the uncompressed
# file (every raw frame read once with HDF5, page cache warm). The
# acquisition's CPU with each storage is bench/acq.sh's.
#
# Usage: bench/compression.sh [--dir DIR] [--source REC.h5]
#   --source  the recording to rewrite (default: a 10-minute recording of
#             the virtual mat rolling the quadriceps scene, made here)
#   --dir     where the files go (default: a new temporary folder, removed)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=
src=
while [ $# -gt 0 ]; do
  case $1 in
  --dir) dir=$2; shift 2 ;;
  --source) src=$2; shift 2 ;;
  -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/compression.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_SANITIZE=OFF -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_analysis rollmat_cli rollmat-sim >/dev/null
rollmat=$build/rollmat
bench=$build/bench/analysis
own_dir=0
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-compression-XXXXXX")
  own_dir=1
fi
trap '[ "$own_dir" = 1 ] && rm -rf "$dir"' EXIT

sources=()
if [ -n "$src" ]; then
  sources+=("$src")
fi
# The virtual mat rolling: 10 minutes of 32x32 at 100 Hz, recorded by
# `rollmat record` from rollmat-sim at 20x speed, uncompressed.
sim=$build/firmware/boards/sim/rollmat-sim
vm=$dir/virtual-mat.h5
if [ ! -e "$vm" ]; then
  "$sim" --listen 127.0.0.1:0 --url-file "$dir/url" --scene firmware/boards/sim/scenes/quadriceps.scene \
    --loop --speed 20 --truth-dir "$dir/truth" 2>"$dir/sim.log" &
  simpid=$!
  for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
  "$rollmat" record --device "$(cat "$dir/url")" -o "$vm" --duration 30 --compression none \
    --subject bench >/dev/null 2>"$dir/record.log" || { cat "$dir/record.log" "$dir/sim.log" >&2; }
  kill "$simpid" 2>/dev/null || true
  wait "$simpid" 2>/dev/null || true
fi
[ -e "$vm" ] && sources+=("$vm")

echo "== compression of recordings (shuffle + deflate, HDF5's built-in filters) =="
for s in "${sources[@]}"; do
  read -r floor frames < <("$bench" --floor-of "$s" --runs 3)
  raw=$(/usr/bin/python3 -c "import h5py,sys; d=h5py.File(sys.argv[1],'r',swmr=True)['frames/raw']; print(d.size*2)" "$s")
  echo
  echo "$(basename "$s"): $frames frames, $((raw / 1000000)) MB of raw counts;" \
    "floor (uncompressed read) $(printf %.3f "$floor") s"
  printf "  %-10s %10s %8s %10s %12s %10s\n" storage "file MB" "ratio" "rewrite s" "analyze s" "x floor"
  for level in none 1 4 9; do
    out=$dir/$(basename "$s" .h5)-$level.h5
    rm -f "$out"
    args=(--chunk 64)
    [ "$level" != none ] && args+=(--deflate "$level")
    t0=$(date +%s.%N)
    /usr/bin/python3 bench/h5py_writer.py "$s" "$out" "${args[@]}"
    t1=$(date +%s.%N)
    rm -rf "$dir/an"
    "$rollmat" analyze "$out" --no-plot -o "$dir/an" >/dev/null 2>&1 # warm
    rm -rf "$dir/an"
    t2=$(date +%s.%N)
    "$rollmat" analyze "$out" --no-plot -o "$dir/an" >/dev/null 2>&1
    t3=$(date +%s.%N)
    size=$(stat -c %s "$out")
    awk -v l="$level" -v sz="$size" -v raw="$raw" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
      -v t3="$t3" -v f="$floor" 'BEGIN {
      w = t1 - t0; a = t3 - t2;
      printf "  %-10s %10.1f %7.1fx %10.2f %12.2f %9.1fx\n", l == "none" ? l : "deflate:" l,
             sz / 1e6, raw / sz, w, a, a / f }'
    rm -f "$out"
  done
done
