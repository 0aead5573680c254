#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The sensor's corrections against ground truth (prints figures; not a
# test; docs/corrections.md). Each shipped scene is played on the virtual
# mat with its crosstalk at PCT % of the row and of the column (the sim's
# default 0.1, 1, and 0: none), recorded, and analysed with the virtual
# mat's calibration three times: without the crosstalk correction
# (--crosstalk off), with it given the sim's own coefficients
# (--crosstalk PCT,PCT) and with it estimated from the recording
# (--crosstalk auto). Per contact frame, the analysis's force, contact
# area, width and CoP are compared with truth_frames.csv
# (bench/corrections.py prints the table). Takes about a minute per PCT.
# Usage: bench/corrections.sh [PCT ...]     (default: 0.1 1 0)
#   RMAT_BENCH_BUILD=build bench/corrections.sh   reuses a build tree
#   RMAT_BENCH_SPEED=10                           scene seconds per second
set -euo pipefail
cd "$(dirname "$0")/.."
pcts=("$@")
[ ${#pcts[@]} -gt 0 ] || pcts=(0.1 1 0)
build=${RMAT_BENCH_BUILD:-build/bench}
speed=${RMAT_BENCH_SPEED:-10}
# An existing tree (RMAT_BENCH_BUILD) is built as it is configured.
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_BUILD_TESTS=OFF -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmat-sim >/dev/null
sim=$build/firmware/boards/sim/rollmat-sim
cli=$build/rollmat
cal=firmware/boards/sim/virtual-mat.cal
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

play() { # scene file, output folder
  local scene=$1 dir=$2
  mkdir -p "$dir"
  "$sim" --listen 127.0.0.1:0 --url-file "$dir/sim.url" --truth-dir "$dir/truth" \
    --scene "$scene" --speed "$speed" --once >"$dir/sim.out" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do [ -s "$dir/sim.url" ] && break; sleep 0.1; done
  "$cli" record --device "$(cat "$dir/sim.url")" -o "$dir/rec.h5" >"$dir/record.out" 2>&1 || true
  wait "$pid"
}

rows=()
for pct in "${pcts[@]}"; do
  for scene in firmware/boards/sim/scenes/*.scene; do
    name=$(basename "$scene" .scene)
    dir=$tmp/$name-$pct
    mkdir -p "$dir"
    { cat "$scene"; echo "sensor crosstalk_row_pct=$pct crosstalk_col_pct=$pct"; } >"$dir/x.scene"
    play "$dir/x.scene" "$dir"
    "$cli" analyze "$dir/rec.h5" -o "$dir/off" --calibration "$cal" --no-plot \
      --crosstalk off >/dev/null 2>&1
    "$cli" analyze "$dir/rec.h5" -o "$dir/on" --calibration "$cal" --no-plot \
      --crosstalk "$pct,$pct" >/dev/null 2>&1
    "$cli" analyze "$dir/rec.h5" -o "$dir/auto" --calibration "$cal" --no-plot \
      --crosstalk auto >/dev/null 2>&1
    rows+=("$name" "$pct" "$dir")
  done
done
python3 bench/corrections.py "${rows[@]}"
