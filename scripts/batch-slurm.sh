#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Batch analysis on a Slurm cluster: an array job, one task per share of
# the recordings (`rollmat batch --shard K/N`), then a merge job that runs
# when every task has finished (afterany: a share with a failed recording
# still leaves its sessions.csv).
#
# Submit from a login node (the folders must be on a shared filesystem):
#   scripts/batch-slurm.sh IN OUT [SHARDS] [-- extra rollmat batch options]
# e.g.
#   scripts/batch-slurm.sh /scratch/recordings /scratch/analysis 32 -- \
#     --calibration /scratch/mat-7.cal
# Slurm options (partition, account, time) go in SBATCH_* environment
# variables or in the #SBATCH lines of the task script below.
#
# Task K of N writes OUT/shard-K/ (its sessions and sessions.csv) and its
# log OUT/logs/shard-K.log; the merge writes OUT/sessions.csv,
# OUT/trend.csv, OUT/trend.json and OUT/trends/. A task's exit status is
# non-zero when one of its recordings failed: `sacct -j JOBID` shows which
# shares, the logs name the recordings (lines "FAILED path: why").
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,20p' "$0" >&2
  exit 2
fi
in=$(realpath "$1") out=$(realpath -m "$2")
shards=${3:-16}
shift $(( $# >= 3 ? 3 : 2 ))
[ "${1:-}" = "--" ] && shift
rollmat=${ROLLMAT:-$(command -v rollmat || echo rollmat)}
mkdir -p "$out/logs"

extra=$(printf '%q ' "$@")
array_id=$(sbatch --parsable \
  --job-name=rollmat-batch --array="1-$shards" --ntasks=1 --cpus-per-task=1 \
  --mem=1G --output="$out/logs/shard-%a.log" \
  --wrap="$(printf '%q' "$rollmat") batch $(printf '%q' "$in") -o $(printf '%q' "$out")/shard-\$SLURM_ARRAY_TASK_ID --shard \$SLURM_ARRAY_TASK_ID/$shards -j 1 --no-trend-plots $extra")

# The merge reads each share's sessions.csv; shares that wrote none (a task
# killed before its end) are left out and said so. A script of its own,
# run by bash: sbatch --wrap runs /bin/sh, which has no arrays.
merge_sh=$out/logs/merge.sh
cat >"$merge_sh" <<EOF
#!/usr/bin/env bash
# Written by scripts/batch-slurm.sh: joins the shares' outputs.
set -u
dirs=()
for k in \$(seq 1 $shards); do
  d=$(printf '%q' "$out")/shard-\$k
  if [ -f "\$d/sessions.csv" ]; then dirs+=("\$d"); else echo "share \$k wrote no sessions.csv" >&2; fi
done
exec $(printf '%q' "$rollmat") batch --merge "\${dirs[@]}" -o $(printf '%q' "$out")
EOF
chmod +x "$merge_sh"
merge_id=$(sbatch --parsable --job-name=rollmat-merge --dependency="afterany:$array_id" \
  --ntasks=1 --cpus-per-task=1 --mem=1G --output="$out/logs/merge.log" "$merge_sh")

echo "rollmat batch: array job $array_id ($shards shares), merge job $merge_id"
echo "results: $out/sessions.csv, $out/trend.csv (logs in $out/logs/)"
