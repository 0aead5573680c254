#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What a mat's sensel pitch costs (prints figures; not a test): the virtual
# mat (rollmat-sim) at pitches from 5 to 20 mm over the same 406 mm square,
# each session recorded by `rollmat record` and analysed by `rollmat
# analyze` with the virtual mat's calibration, as a clinic would.
#
#  1. Contact width against the truth, at each pitch, for the foam roller of
#     quadriceps.scene (a band 34.6 mm wide by docs/metrics.md's sqrt(12
#     lambda)) and the ball of lacrosse.scene (a disc, 38.9 mm), beside what
#     sampling on a grid alone would give: a sensel averages the pressure
#     over its width d, which adds d^2/12 to the profile's variance, so
#     sqrt(12 lambda) reads sqrt(w^2 + d^2). The contact threshold takes
#     the edges off and pulls the other way.
#  2. The smallest softening of the tissue that one 2-minute session (80
#     passes of the roller) detects with 95% confidence: compliance rising
#     with its 95% interval above zero, in every one of --seeds sessions
#     (each seed another mat: its gains and noise). Softening runs up a
#     ladder of 0, 0.25, 0.5, 1, 2, 4 and 8% (the tissue's E* falling
#     linearly over the session) and stops at the first step detected in
#     every seed. At 0% an interval that excludes zero either way is a
#     false alarm: the table shows how many seeds raised one.
#
# Usage: bench/resolution.sh [--pitches "5 7.5 10 12.7 15 20"] [--seeds N]
#                            [--calibration FILE] [--dir DIR]
#   --pitches      the pitches in mm (default the six above)
#   --seeds        sessions per step (default 3)
#   --calibration  the calibration the analysis uses (default the virtual
#                  mat's, firmware/boards/sim/virtual-mat.cal)
#   --dir          where the recordings go (default: a temporary folder,
#                  removed at the end)
# Takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
pitches="5 7.5 10 12.7 15 20"
seeds=3
cal=firmware/boards/sim/virtual-mat.cal
dir=
while [ $# -gt 0 ]; do
  case $1 in
  --pitches) pitches=$2; shift 2 ;;
  --seeds) seeds=$2; shift 2 ;;
  --calibration) cal=$2; shift 2 ;;
  --dir) dir=$2; shift 2 ;;
  -h | --help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "bench/resolution.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case $seeds in '' | *[!0-9]* | 0) echo "bench/resolution.sh: --seeds wants a whole number of at least 1, not '$seeds'" >&2; exit 2 ;; esac
[ -r "$cal" ] || { echo "bench/resolution.sh: cannot read the calibration '$cal'" >&2; exit 2; }
build=${RMAT_BENCH_BUILD:-build/bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRMAT_SANITIZE=OFF -DRMAT_BUILD_TESTS=OFF \
  -DRMAT_FIRMWARE=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target rollmat_cli rollmat-sim >/dev/null
rollmat=$build/rollmat
sim=$build/firmware/boards/sim/rollmat-sim
own_dir=0
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rollmat-resolution-XXXXXX")
  own_dir=1
fi
mkdir -p "$dir"
trap '[ "$own_dir" = 1 ] && rm -rf "$dir"' EXIT
side_mm=406.4 # the shipped scenes' mat: 32 sensels of 12.7 mm

# scene NAME PITCH CONTACT SOFTEN SEED: writes DIR/NAME.scene. The mat keeps
# its size: rows = cols = side / pitch, rounded; the roller's stroke runs
# through the mat's centre either way.
scene() {
  local name=$1 pitch=$2 contact=$3 soften=$4 seed=$5 n
  n=$(python3 -c "print(max(4, round($side_mm / $pitch)))")
  {
    echo "mat rows=$n cols=$n pitch_mm=$pitch rate_hz=100 adc_bits=12"
    if [ "$contact" = ball ]; then
      echo "roller ball radius_mm=31.75"
      echo "tissue estar_kpa=300 soften_pct=$soften soften=linear"
      echo "force force_n=200"
      echo "seed $seed"
      echo "roll passes=80 cadence_cpm=30 stroke_mm=120 direction_deg=90"
    else
      echo "roller cylinder radius_mm=75 length_mm=150 axis_deg=0"
      echo "tissue estar_kpa=420 soften_pct=$soften soften=linear"
      echo "force force_n=260"
      echo "seed $seed"
      echo "roll passes=80 cadence_cpm=20 stroke_mm=220"
    fi
  } >"$dir/$name.scene"
}

# session NAME: plays DIR/NAME.scene at 20x, records and analyses it into
# DIR/NAME/; fails loudly if a frame went missing.
session() {
  local name=$1 d=$dir/$1
  rm -rf "$d"
  mkdir -p "$d"
  "$sim" --listen 127.0.0.1:0 --url-file "$d/url" --scene "$dir/$name.scene" --speed 20 --once \
    --truth-dir "$d/truth" 2>"$d/sim.log" &
  local pid=$!
  for _ in $(seq 100); do [ -s "$d/url" ] && break; sleep 0.1; done
  "$rollmat" record --device "$(cat "$d/url")" -o "$d/rec.h5" --duration 60 \
    --roller-diameter 150 --subject resolution >"$d/record.log" 2>&1 || true
  wait "$pid" || true
  "$rollmat" analyze "$d/rec.h5" -o "$d/ana" --calibration "$cal" --no-plot >"$d/analyze.log" 2>&1 || {
    echo "bench/resolution.sh: rollmat analyze failed on $name:" >&2
    cat "$d/analyze.log" "$d/record.log" >&2
    exit 1
  }
  python3 - "$d" <<'EOF'
import json, sys
d = sys.argv[1]
t = json.load(open(d + "/truth/truth.json"))
s = json.load(open(d + "/ana/summary.json"))
if t["frames_dropped"] or s["frames"] != t["frames_sent"]:
    sys.exit("bench/resolution.sh: %s: %d frames analysed of %d sent, %d dropped"
             % (d, s["frames"], t["frames_sent"], t["frames_dropped"]))
EOF
  rm -f "$d/rec.h5" "$d/ana/frames.csv"
}

echo "bench/resolution.sh: $(date -u +%FT%TZ) on $(nproc) cores; calibration $cal; $seeds seeds a step"
echo "the virtual mat, ${side_mm} mm square, 100 Hz, 12-bit; sessions of 80 passes (2 minutes with the roller, 80 s with the ball)"
echo

results=$dir/results.txt
: >"$results"
for p in $pitches; do
  for c in cylinder ball; do
    scene "w-$c-$p" "$p" "$c" 0 5
    session "w-$c-$p"
    echo "width $p $c $dir/w-$c-$p" >>"$results"
  done
  for s in 0 0.25 0.5 1 2 4 8; do
    all=1
    for k in $(seq "$seeds"); do
      name=d-$p-$s-$k
      scene "$name" "$p" cylinder "$s" $((100 + k))
      session "$name"
      echo "detect $p $s $dir/$name" >>"$results"
      hit=$(python3 -c "
import json; t = json.load(open('$dir/$name/ana/summary.json'))['tissue']['compliance_mm3_n']
print(1 if t and t['ci95_low'] > 0 else 0)")
      [ "$hit" = 1 ] || all=0
    done
    if [ "$s" != 0 ] && [ "$all" = 1 ]; then
      break
    fi
  done
done

python3 - "$results" "$seeds" <<'EOF'
import json, math, sys
rows = [l.split() for l in open(sys.argv[1])]
seeds = int(sys.argv[2])
def load(d):
    return (json.load(open(d + "/truth/truth.json")), json.load(open(d + "/ana/summary.json")))

print("Contact width against the truth (soften 0, seed 5)")
print("%-8s %-9s %10s %10s %8s %14s" % ("pitch", "contact", "truth mm", "read mm", "error", "sqrt(w2+d2)"))
for r in rows:
    if r[0] != "width":
        continue
    t, s = load(r[3])
    w, d = t["mean_width_mm"], float(r[1])
    got = s["mean_width_mm"]
    print("%-8s %-9s %10.2f %10.2f %+7.1f%% %+13.1f%%" % (r[1] + " mm", r[2], w, got,
          100 * (got / w - 1), 100 * (math.sqrt(w * w + d * d) / w - 1)))

print()
print("Compliance trend of one session (cylinder, E* 420 kPa falling linearly by the softening)")
print("%-8s %-8s %-38s %-10s %s" % ("pitch", "soften", "slope per min [95% interval], by seed", "detected", "change_pct"))
by = {}
for r in rows:
    if r[0] != "detect":
        continue
    by.setdefault((r[1], r[2]), []).append(r[3])
smallest = {}
for (p, sft), ds in by.items():
    txt, hits, ch = [], 0, []
    for d in ds:
        c = load(d)[1]["tissue"]["compliance_mm3_n"]
        txt.append("%+.2f [%+.2f,%+.2f]" % (c["slope_per_min"], c["ci95_low"], c["ci95_high"]))
        hits += c["ci95_low"] > 0
        ch.append("%+.2f%%" % c["change_pct"])
    print("%-8s %-8s %-38s %-10s %s" % (p + " mm", sft + "%", txt[0], "%d of %d" % (hits, len(ds)), ch[0]))
    for x in txt[1:]:
        print("%-8s %-8s %s" % ("", "", x))
    if float(sft) > 0 and hits == len(ds):
        smallest[p] = sft
    if float(sft) == 0:
        # unchanged tissue: an interval that excludes zero either way is
        # a false alarm (softening or stiffening that is not there)
        smallest["fa-" + p] = sum(1 for d in ds for c in [load(d)[1]["tissue"]["compliance_mm3_n"]]
                                  if c["ci95_low"] > 0 or c["ci95_high"] < 0)
print()
print("Smallest softening detected in every seed, and false alarms at 0%")
for p in sorted({r[1] for r in rows if r[0] == "detect"}, key=float):
    print("  %-8s %-10s false alarms %s of %d" % (p + " mm", (smallest.get(p, "> 8") + "%"),
          smallest.get("fa-" + p, "?"), seeds))
EOF
