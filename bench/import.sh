#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Import benchmark (prints figures; not a test): builds the Release
# bench_import and runs it: ~100 MB Tekscan and XSENSOR text exports
# generated in code, parsed (MB/s) and imported into recordings as `rollmat
# import` does (MB/s, peak RSS of the import alone, recording size), and the
# same at a quarter of the size to show memory does not grow with frames.
# Target (docs/import.md): at least 50 MB/s on one core.
#
#   bench/import.sh [--mb N] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_FIRMWARE=OFF >/dev/null
nice -n 10 cmake --build "$build" -j2 --target bench_import >/dev/null
"$build/bench/import" "$@"
