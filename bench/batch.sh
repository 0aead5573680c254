#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Batch analysis at scale (prints figures; the Slurm part is also a check).
#  1. writes N recordings (default 200: 20 subjects, a session a week, 60 s
#     of 32x32 at 100 Hz each; bench/batch_recordings.c);
#  2. `rollmat batch -j 1` and `-j 2` on them: recordings per second, and the
#     speed-up (target: -j 2 at least 1.8x -j 1 on 2 cores);
#  3. with --slurm (as root): a one-node Slurm on this machine
#     (scripts/slurm-local), scripts/batch-slurm.sh over SHARDS shares as an
#     array job and its merge job, and the merged sessions.csv, trend.csv and
#     trend.json compared byte for byte with the single-machine batch's.
#     Exit status 1 if they differ or a job failed.
#
# Usage: bench/batch.sh [--recordings N] [--slurm] [--shards K] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
n=200
slurm=0
shards=8
keep=0
while [ $# -gt 0 ]; do
  case $1 in
  --recordings) n=$2; shift 2 ;;
  --slurm) slurm=1; shift ;;
  --shards) shards=$2; shift 2 ;;
  --keep) keep=1; shift ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/batch.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_SANITIZE=OFF -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_batch_recordings rollmat_cli >/dev/null
rollmat=$(realpath "$build/rollmat")
dir=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-batch-XXXXXX")
slurm_dir=$dir/slurm
cleanup() {
  [ "$slurm" = 1 ] && scripts/slurm-local stop "$slurm_dir" || true
  [ "$keep" = 1 ] && echo "kept: $dir" || rm -rf "$dir"
}
trap cleanup EXIT

"$build"/bench/batch_recordings "$dir/in" "$n" $((n >= 20 ? 20 : n))
echo "== rollmat batch on $n recordings ($(du -sm "$dir/in" | cut -f1) MB), $(nproc) cores =="
declare -A rate
for j in 1 2; do
  t0=$(date +%s.%N)
  "$rollmat" batch "$dir/in" -o "$dir/out-j$j" -j "$j" -q --no-trend-plots >/dev/null 2>"$dir/batch-j$j.log"
  t1=$(date +%s.%N)
  rate[$j]=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", n / (b - a) }')
  awk -v j="$j" -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {
    printf "  -j %d: %6.1f s, %6.2f recordings/s\n", j, b - a, n / (b - a) }'
done
awk -v a="${rate[1]}" -v b="${rate[2]}" 'BEGIN {
  verdict = "NOT MET"
  if (b / a >= 1.8)
    verdict = "met"
  printf "  speed-up of -j 2 over -j 1: %.2fx (target >= 1.8x): %s\n", b / a, verdict }'
for f in sessions.csv trend.csv trend.json; do
  cmp -s "$dir/out-j1/$f" "$dir/out-j2/$f" || echo "  WARNING: $f differs between -j 1 and -j 2"
done

[ "$slurm" = 1 ] || exit 0
echo
echo "== the same as a Slurm array job ($shards shares) on a one-node Slurm =="
scripts/slurm-local start "$slurm_dir"
export SLURM_CONF=$slurm_dir/slurm.conf
t0=$(date +%s.%N)
ROLLMAT=$rollmat scripts/batch-slurm.sh "$dir/in" "$dir/out-slurm" "$shards" -- -q | tee "$dir/submit.txt"
merge=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' "$dir/submit.txt")
# Wait for the merge job (it runs after every share) to leave the queue.
while squeue -h -j "$merge" 2>/dev/null | grep -q .; do sleep 0.5; done
t1=$(date +%s.%N)
awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {
  printf "  %d recordings in %.1f s through Slurm: %.2f recordings/s\n", n, b - a, n / (b - a) }'
status=0
for f in sessions.csv trend.csv trend.json; do
  if cmp -s "$dir/out-j2/$f" "$dir/out-slurm/$f"; then
    echo "  $f: identical to the single-machine batch's, byte for byte"
  else
    echo "  $f: DIFFERS from the single-machine batch's"
    diff <(head -5 "$dir/out-j2/$f") <(head -5 "$dir/out-slurm/$f") | sed 's/^/    /' || true
    status=1
  fi
done
failed=$( (grep -l FAILED "$dir"/out-slurm/logs/*.log 2>/dev/null || true) | wc -l)
[ "$failed" = 0 ] || { echo "  $failed share logs report a failed recording"; status=1; }
exit $status
