#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The analysis benchmark (bench/analysis.c): builds a Release tree without
# sanitizers and runs it. Arguments go to the program, e.g.
#   bench/analysis.sh                    # a 1-hour 32x32 recording at 100 Hz
#   bench/analysis.sh --frames 60000     # 10 minutes
#   bench/analysis.sh --no-numpy --runs 5
# It needs about 1.5 GB free in $TMPDIR (or /tmp) for the recording, which
# it deletes afterwards; the numpy comparison needs Debian's python3-numpy
# and python3-h5py (scripts/setup).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_SANITIZE=OFF -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" --target bench_analysis -j"$(nproc)" >/dev/null
exec "$build"/bench/analysis "$@"
