#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Batch analysis with GNU parallel: every recording under IN analysed in
# SHARDS shares (`rollmat batch --shard K/N`), then joined into OUT.
# On one machine `rollmat batch IN -o OUT -j N` is simpler; this recipe is
# for spreading the shares over machines that see the same folders
# (GNU parallel's --sshlogin), or for running them as separate processes.
#
# Usage: scripts/batch-parallel.sh IN OUT [SHARDS] [-- extra rollmat batch options]
#   e.g. scripts/batch-parallel.sh /data/recordings /data/analysis 8 -- \
#          --calibration /data/mat-7.cal
# Remote hosts: PARALLEL_SSHLOGIN="4/host1,4/host2" (rollmat installed on
# each, the folders mounted at the same paths).
#
# Each share writes OUT/shard-K/ (its sessions' folders, its sessions.csv);
# the merge writes OUT/sessions.csv, OUT/trend.csv, OUT/trend.json and
# OUT/trends/. A share with a failed recording exits non-zero; the merge
# still runs, and this script exits non-zero too.
set -uo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
in=$1 out=$2
shards=${3:-$(nproc)}
shift $(( $# >= 3 ? 3 : 2 ))
[ "${1:-}" = "--" ] && shift
rollmat=${ROLLMAT:-rollmat}

command -v parallel >/dev/null || {
  echo "batch-parallel: GNU parallel is not installed: apt-get install parallel" >&2
  exit 2
}
mkdir -p "$out"
ssh_args=()
[ -n "${PARALLEL_SSHLOGIN:-}" ] && ssh_args=(--sshlogin "$PARALLEL_SSHLOGIN")

# One process per share, each single-threaded (-j 1): parallel runs as many
# at a time as there are cores (or as each --sshlogin says).
parallel --will-cite --halt never --line-buffer --tag "${ssh_args[@]}" \
  "$rollmat" batch "$in" -o "$out/shard-{}" --shard "{}/$shards" -j 1 -q \
  --no-trend-plots "$@" ::: $(seq 1 "$shards")
failed=$?

shard_dirs=()
for k in $(seq 1 "$shards"); do
  [ -f "$out/shard-$k/sessions.csv" ] && shard_dirs+=("$out/shard-$k")
done
"$rollmat" batch --merge "${shard_dirs[@]}" -o "$out" || exit 1
if [ "$failed" -ne 0 ]; then
  echo "batch-parallel: $failed share(s) had failed recordings (see the FAILED lines above)" >&2
  exit 1
fi
