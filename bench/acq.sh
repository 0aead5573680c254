#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Acquisition benchmark (prints figures; not a test). The virtual mat streams
# over loopback TCP to rollmatd, which records for N seconds; we measure what
# the daemon costs: its CPU share of one core (utime+stime from /proc over the
# wall time of the recording), its peak RSS (VmHWM), and the frames it kept
# against the frames the mat sent.
# Usage: bench/acq.sh [seconds [compression...]]
#   seconds: per run (default 60); compression: the --compression words to
#   run each grid with (default: none deflate:1). Targets
#   (docs/performance.md): 64x64 dense at 1000 Hz: zero lost, under 5% of a
#   core uncompressed and under 10% with the default compression;
#   32x32 at 100 Hz: under 1% either way.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
compressions=("$@")
[ ${#compressions[@]} -gt 0 ] || compressions=(none deflate:1)
build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_BUILD_TESTS=OFF -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmatd rollmat-sim >/dev/null
sim=$build/firmware/boards/sim/rollmat-sim
tck=$(getconf CLK_TCK)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {
  local rows=$1 cols=$2 rate=$3 mode=$4 comp=$5
  local tmp; tmp=$(mktemp -d)
  local pids=()
  "$sim" --listen 127.0.0.1:0 --url-file "$tmp/url" --rows "$rows" --cols "$cols" \
    --rate "$rate" --max-rate "$rate" --truth-dir "$tmp/truth" 2>"$tmp/sim.log" &
  pids+=($!)
  local simpid=$!
  for _ in $(seq 100); do [ -s "$tmp/url" ] && break; sleep 0.1; done
  local dense=()
  [ "$mode" = dense ] && dense=(--dense)
  "$build"/rollmatd --device "$(cat "$tmp/url")" --socket "$tmp/ctl" --dir "$tmp/rec" \
    --compression "$comp" \
    --rate "$rate" "${dense[@]}" 2>"$tmp/daemon.log" &
  local dpid=$!
  pids+=($dpid)
  local up=0
  for _ in $(seq 100); do
    if "$build"/rollmat status --raw --socket "$tmp/ctl" 2>/dev/null | grep -q connected=1; then
      up=1; break
    fi
    sleep 0.1
  done
  if [ "$up" != 1 ]; then
    echo "bench/acq: rollmatd did not connect to the virtual mat; its log:" >&2
    cat "$tmp/daemon.log" "$tmp/sim.log" >&2
    kill "${pids[@]}" 2>/dev/null || true
    exit 1
  fi
  local file; file=$("$build"/rollmat record start --subject bench --socket "$tmp/ctl")
  local t0 c0 s0; t0=$(date +%s.%N); c0=$(ticks "$dpid"); s0=$(ticks "$simpid")
  sleep "$seconds"
  local c1 s1 t1; c1=$(ticks "$dpid"); s1=$(ticks "$simpid"); t1=$(date +%s.%N)
  local reply; reply=$("$build"/rollmat record stop --socket "$tmp/ctl")
  local rss; rss=$(awk '/VmHWM/ {print $2}' "/proc/$dpid/status")
  local status; status=$("$build"/rollmat status --raw --socket "$tmp/ctl")
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  local frames lost drops size
  frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$reply")
  lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$reply")
  drops=$(sed -n 's/.*link_drops=\([0-9]*\).*/\1/p' <<<"$status")
  size=$(stat -c %s "$file")
  awk -v r="$rows" -v c="$cols" -v hz="$rate" -v m="$mode" -v f="$frames" -v l="$lost" \
      -v d="${drops:-0}" -v dc=$((c1 - c0)) -v sc=$((s1 - s0)) -v tck="$tck" -v t0="$t0" \
      -v t1="$t1" -v rss="$rss" -v mb="$size" -v comp="$comp" 'BEGIN {
    wall = t1 - t0;
    printf "%dx%d %s at %d Hz, %s, for %.1f s: %d frames kept (%.0f expected), %d lost, %d bad packets\n",
           r, c, m, hz, comp, wall, f, hz * wall, l, d;
    raw = f * r * c * 2;
    pct = 0;
    if (raw > 0)
      pct = 100 * mb / raw;
    printf "  rollmatd: %.2f%% of one core, peak RSS %.1f MB; file %.1f MB (%.2f MB/s), %.1f%% of the raw counts\n",
           100 * dc / tck / wall, rss / 1024, mb / 1e6, mb / 1e6 / wall, pct;
    printf "  rollmat-sim (the mat, for reference): %.1f%% of one core\n", 100 * sc / tck / wall;
  }'
  rm -rf "$tmp"
}

echo "bench/acq: $seconds s per run, $(nproc) cores, $(uname -m)"
for comp in "${compressions[@]}"; do
  run 64 64 1000 dense "$comp"
  run 32 32 100 sparse "$comp"
done
