#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Live view benchmark (prints figures; not a test). The virtual mat streams
# over loopback TCP to rollmatd (Release build) while it records.
#
#   bench/live.sh cpu [seconds]     rollmatd's CPU at 32x32 100 Hz: without
#                                   the live view (--no-http), with it and no
#                                   viewer, with it and 3 viewers (SSE
#                                   streams); target: viewers add < 3% of a core
#   bench/live.sh acq [seconds]     64x64 dense at 1000 Hz with 3 viewers:
#                                   frames kept against frames sent (no loss)
#   bench/live.sh memory [seconds]  RSS of rollmatd at the start and the end
#                                   of a run (default 600 s) in which clients
#                                   connect and leave all the time (streams of
#                                   1-3 s, pages, snapshots, refused requests)
#   bench/live.sh all               the three, cpu and acq for 30 s each
#
# Every process it starts is ended by its pid when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_BUILD_TESTS=OFF -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmatd rollmat-sim >/dev/null
sim=$build/firmware/boards/sim/rollmat-sim
tck=$(getconf CLK_TCK)
pids=()
tmp=$(mktemp -d)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start ROWS COLS RATE MODE HTTP(0/1): the mat and rollmatd; sets dpid, port.
start() {
  local rows=$1 cols=$2 rate=$3 mode=$4 http=$5
  rm -rf "$tmp/run" && mkdir -p "$tmp/run"
  "$sim" --listen 127.0.0.1:0 --url-file "$tmp/run/url" --rows "$rows" --cols "$cols" \
    --rate "$rate" --max-rate "$rate" --truth-dir "$tmp/run/truth" 2>"$tmp/run/sim.log" &
  simpid=$!
  pids+=("$simpid")
  for _ in $(seq 100); do [ -s "$tmp/run/url" ] && break; sleep 0.1; done
  local extra=()
  [ "$mode" = dense ] && extra+=(--dense)
  if [ "$http" = 1 ]; then
    extra+=(--http 0 --http-url-file "$tmp/run/http")
  else
    extra+=(--no-http)
  fi
  "$build"/rollmatd --device "$(cat "$tmp/run/url")" --socket "$tmp/run/ctl" \
    --dir "$tmp/run/rec" --rate "$rate" "${extra[@]}" 2>"$tmp/run/daemon.log" &
  dpid=$!
  pids+=("$dpid")
  for _ in $(seq 100); do
    "$build"/rollmat status --socket "$tmp/run/ctl" 2>/dev/null | grep -q connected=1 && break
    sleep 0.1
  done
  port=
  [ "$http" = 1 ] && port=$(sed -n 's/.*:\([0-9]*\)\/.*/\1/p' "$tmp/run/http")
  return 0
}

stop() {
  kill "$dpid" "$simpid" 2>/dev/null || true
  wait "$dpid" "$simpid" 2>/dev/null || true
}

# viewers N: N Server-Sent Events clients reading the stream to /dev/null.
viewers() {
  vpids=()
  for _ in $(seq "$1"); do
    curl -sN "http://127.0.0.1:$port/api/stream" -o /dev/null &
    vpids+=($!)
    pids+=($!)
  done
}

unview() {
  for p in "${vpids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${vpids[@]}" 2>/dev/null || true
  vpids=()
}

# measure SECONDS: records that long; prints "cpu% frames lost".
measure() {
  local seconds=$1
  "$build"/rollmat record start --subject bench --socket "$tmp/run/ctl" >/dev/null
  local t0 c0; t0=$(date +%s.%N); c0=$(ticks "$dpid")
  sleep "$seconds"
  local c1 t1; c1=$(ticks "$dpid"); t1=$(date +%s.%N)
  local reply; reply=$("$build"/rollmat record stop --socket "$tmp/run/ctl")
  local frames lost
  frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<<"$reply")
  lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$reply")
  awk -v dc=$((c1 - c0)) -v tck="$tck" -v t0="$t0" -v t1="$t1" -v f="$frames" -v l="$lost" \
    'BEGIN { printf "%.2f %d %d %.1f\n", 100 * dc / tck / (t1 - t0), f, l, t1 - t0 }'
}

cpu() {
  local s=${1:-30}
  echo "bench/live cpu: rollmatd at 32x32 100 Hz, $s s each, $(nproc) cores"
  start 32 32 100 sparse 0
  read -r c0 f0 l0 w0 < <(measure "$s")
  stop
  start 32 32 100 sparse 1
  read -r c1 f1 l1 w1 < <(measure "$s")
  viewers 3
  read -r c3 f3 l3 w3 < <(measure "$s")
  local st; st=$("$build"/rollmat status --raw --socket "$tmp/run/ctl")
  unview
  stop
  printf '  no live view (--no-http):    %5.2f%% of a core (%d frames, %d lost)\n' "$c0" "$f0" "$l0"
  printf '  live view, no viewer:        %5.2f%% of a core (%d frames, %d lost)\n' "$c1" "$f1" "$l1"
  printf '  live view, 3 viewers (SSE):  %5.2f%% of a core (%d frames, %d lost)\n' "$c3" "$f3" "$l3"
  awk -v a="$c0" -v b="$c3" -v c="$c1" 'BEGIN {
    printf "  viewers add %.2f%% of a core over no viewer, the live view with 3 viewers %.2f%% over none (target < 3%%)\n", b - c, b - a }'
  echo "  status: ${st#*live_}" | sed 's/^  status: /  status: live_/'
}

acq() {
  local s=${1:-30}
  echo "bench/live acq: 64x64 dense at 1000 Hz with 3 viewers, $s s"
  start 64 64 1000 dense 1
  viewers 3
  read -r c f l w < <(measure "$s")
  local st; st=$("$build"/rollmat status --raw --socket "$tmp/run/ctl")
  unview
  stop
  awk -v c="$c" -v f="$f" -v l="$l" -v w="$w" 'BEGIN {
    printf "  %d frames kept (%.0f expected), %d lost; rollmatd %.1f%% of a core\n", f, 1000 * w, l, c }'
  echo "  the live view: $(grep -o 'live_[a-z]*=[0-9]*' <<<"$st" | tr '\n' ' ')"
}

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

memory() {
  local s=${1:-600}
  echo "bench/live memory: rollmatd's RSS over $s s of clients connecting and leaving (32x32 100 Hz)"
  start 32 32 100 sparse 1
  "$build"/rollmat record start --subject bench --socket "$tmp/run/ctl" >/dev/null
  local base="http://127.0.0.1:$port"
  # Warm up: threads, buffers and the first snapshots.
  for _ in $(seq 20); do curl -s "$base/" -o /dev/null; done
  sleep 5
  local r0; r0=$(rss "$dpid")
  local t_end=$((SECONDS + s)) n=0 mid=() streams=()
  while [ $SECONDS -lt $t_end ]; do
    # A stream for 1-3 s, a page, a snapshot, a refused request; each leaves.
    timeout $((1 + n % 3)) curl -sN "$base/api/stream" -o /dev/null &
    streams+=($!)
    [ ${#streams[@]} -gt 50 ] && { wait "${streams[@]:0:25}" 2>/dev/null || true; streams=("${streams[@]:25}"); }
    curl -s "$base/" -o /dev/null
    curl -s "$base/api/snapshot" -o /dev/null
    curl -s "$base/../etc/passwd" --path-as-is -o /dev/null
    n=$((n + 1))
    [ $((n % 200)) = 0 ] && mid+=("$(rss "$dpid")")
    sleep 0.2
  done
  wait "${streams[@]}" 2>/dev/null || true
  sleep 3
  local r1; r1=$(rss "$dpid")
  "$build"/rollmat record stop --socket "$tmp/run/ctl" >/dev/null
  stop
  echo "  $n rounds of clients (each: a stream of 1-3 s, a page, a snapshot, a refusal)"
  echo "  RSS at start $((r0 / 1024)) MB ($r0 kB), at end $((r1 / 1024)) MB ($r1 kB): $(((r1 - r0))) kB"
  echo "  RSS along the way (kB): ${mid[*]}"
}

case $what in
cpu) cpu "${2:-30}" ;;
acq) acq "${2:-30}" ;;
memory) memory "${2:-600}" ;;
all)
  cpu 30
  acq 30
  memory 600
  ;;
*)
  echo "usage: bench/live.sh cpu|acq|memory|all [seconds]" >&2
  exit 2
  ;;
esac
