#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The paths users run, timed against the floor measured in the same run
# (prints figures; not a test). On a 1-hour 32x32 recording at 100 Hz,
# written by rollmat's own writer as it records by default (compressed:
# shuffle + deflate level 1) and uncompressed (--compression none), and by
# h5py (uncompressed, 64-frame chunks, the docs/format.md layout: another
# writer), it times
#   rollmat analyze REC -o DIR          (as users run it: with its figures)
#   rollmat analyze REC --no-plot       (the numbers only)
#   rollmat plot DIR                    (every figure as PNG, SVG and PDF)
#   rollmat report DIR                  (the PDF)
#   rollmat compare DIR DIR2            (two sessions in a PDF)
# each with its wall time, its ratio to the floor (every raw frame read once
# with plain HDF5 calls, best of 3, page cache warm; for the compressed file
# that includes HDF5's own decompression) and its peak RSS.
# Then the recordings' compression (bench/compression.sh) and the
# acquisition's CPU (bench/acq.sh) unless --quick.
#
# Usage: bench/perf.sh [--frames N] [--quick] [--keep]
#   --frames N   frames of the long recording (default 360000: an hour)
#   --quick      the analysis paths only
#   --keep       keep the recordings and outputs (the folder is printed)
# Targets (docs/performance.md): analyze <= 3x the floor, --no-plot <= 2x,
# plot, report and compare under 5 s each, peak RSS under 100 MB.
# Needs about 2 GB free in $TMPDIR (or /tmp); h5py from python3-h5py.
set -euo pipefail
cd "$(dirname "$0")/.."
frames=360000
quick=0
keep=0
while [ $# -gt 0 ]; do
  case $1 in
  --frames) frames=$2; shift 2 ;;
  --quick) quick=1; shift ;;
  --keep) keep=1; shift ;;
  -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/perf.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_SANITIZE=OFF -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_analysis rollmat_cli >/dev/null
rollmat=$(realpath "$build/rollmat")
bench=$(realpath "$build/bench/analysis")
command -v /usr/bin/time >/dev/null || { echo "bench/perf.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-perf-XXXXXX")
cleanup() { [ "$keep" = 1 ] && echo "kept: $dir" || rm -rf "$dir"; }
trap cleanup EXIT

echo "rollmat performance benchmark: $frames frames of 32x32 at 100 Hz, in $dir"
echo
echo "== the library's analysis (bench/analysis) =="
"$bench" --frames "$frames" --dir "$dir" --keep --no-numpy --runs 3 | sed '/kept:/d'
mv "$dir/bench.h5" "$dir/own.h5"
rm -rf "$dir"/analysis[0-9]
"$bench" --frames "$frames" --dir "$dir" --keep --no-numpy --runs 1 --deflate 0 >/dev/null
mv "$dir/bench.h5" "$dir/own-uncompressed.h5"
rm -rf "$dir"/analysis[0-9]

writers=(own own-uncompressed)
if /usr/bin/python3 bench/h5py_writer.py "$dir/own-uncompressed.h5" "$dir/h5py.h5" --chunk 64; then
  writers+=(h5py)
else
  echo "(no h5py: the other writer's file is left out; apt-get install python3-h5py)"
fi

# timed LABEL TARGET_X_FLOOR TARGET_S CMD...: one row of the table.
timed() {
  local label=$1 tx=$2 ts=$3
  shift 3
  local out=$dir/time.txt
  if ! /usr/bin/time -f "%e %M" -o "$out" "$@" >"$dir/cmd.log" 2>&1; then
    echo "  $label: FAILED"; sed 's/^/    /' "$dir/cmd.log"; return 1
  fi
  read -r secs kb <"$out"
  awk -v l="$label" -v s="$secs" -v kb="$kb" -v f="$floor" -v tx="$tx" -v ts="$ts" 'BEGIN {
    target = tx != "-" ? sprintf("<= %sx", tx) : sprintf("< %s s", ts);
    ok = (tx != "-" ? s / f <= tx : s < ts) && kb / 1024 < 100;
    printf "  %-34s %7.2f s %8.1fx %8.1f MB   %-8s %s\n", l, s, s / f, kb / 1024, target, ok ? "met" : "NOT MET"
  }'
}

for w in "${writers[@]}"; do
  rec=$dir/$w.h5
  read -r floor _ < <("$bench" --floor-of "$rec" --runs 3)
  echo
  echo "== the paths users run, $w writer's file ($(du -m "$rec" | cut -f1) MB) =="
  printf "  floor: every raw frame read once with HDF5, best of 3: %.3f s\n" "$floor"
  printf "  %-34s %9s %9s %11s   %-8s\n" "command" "wall" "x floor" "peak RSS" "target"
  timed "analyze (default, with figures)" 3 - "$rollmat" analyze "$rec" -o "$dir/$w-a"
  timed "analyze --no-plot" 2 - "$rollmat" analyze "$rec" --no-plot -o "$dir/$w-b"
  timed "plot" - 5 "$rollmat" plot "$dir/$w-a"
  timed "report" - 5 "$rollmat" report "$dir/$w-a" -o "$dir/$w-report.pdf"
  timed "compare" - 5 "$rollmat" compare "$dir/$w-a" "$dir/$w-b" -o "$dir/$w-compare.pdf"
  printf "  the CoP figure draws %s points of %s frames (cop_path.csv)\n" \
    "$(grep -c '^[0-9]' "$dir/$w-a/cop_path.csv")" "$frames"
done
for w in "${writers[@]:1}"; do
  cmp -s "$dir/own-a/frames.csv" "$dir/$w-a/frames.csv" &&
    echo "  $w and own give the same frames.csv, byte for byte" ||
    echo "  WARNING: $w and own gave different frames.csv"
done

if [ "$quick" = 0 ]; then
  echo
  bench/compression.sh --dir "$dir" --source "$dir/own-uncompressed.h5"
  echo
  bench/acq.sh 30
fi
