#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The table of bench/corrections.sh: per scene and crosstalk, the error of
the analysis's per-frame force, contact area, width and CoP against the
virtual mat's ground truth, without the crosstalk correction (off), with
the sim's coefficients (on) and with them estimated from the recording
(auto).

Arguments: triples SCENE PCT DIR, DIR holding truth/truth_frames.csv,
truth/truth.json and the analyses off/, on/ and auto/ (frames.csv,
summary.json).

Frames are matched by time (t_s to the frame period). Only frames with the
whole contact on the mat and in contact in both are compared. Errors:
force and area as mean |error| in % of the truth (and the mean signed
error, the bias, in brackets), width likewise, CoP as the mean distance in
mm. The true contact area is the Hertz contact's (2 b L for a roller,
pi a^2 for a ball); the analysis counts the sensels at or above 5 kPa, so
even a perfect sensor reads it a little smaller: compare the columns, not
the error with zero."""
import csv
import json
import math
import sys


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def errors(truth, shape, rate, frames):
    by_t = {}
    for r in truth:
        by_t[round(num(r["t_s"]) * rate)] = r
    sums = {"force": [0, 0, 0], "area": [0, 0, 0], "width": [0, 0, 0], "cop": [0, 0, 0]}
    for a in frames:
        t = by_t.get(round(num(a["t_s"]) * rate))
        if t is None or t["contact"] != "1":
            continue
        fa, ft = num(a["force_n"]), num(t["grid_force_n"])
        if not (fa > 0) or not (ft > 0) or abs(ft / num(t["force_n"]) - 1) > 0.001:
            continue  # no contact read, or the contact partly off the grid
        b = num(t["half_width_mm"])
        area_t = (math.pi * b * b if shape == "ball" else 2 * b * num(t["length_mm"])) / 100
        pairs = {
            "force": (fa, ft),
            "area": (num(a["area_cm2"]), area_t),
            "width": (num(a["width_mm"]), num(t["width_mm"])),
        }
        for k, (x, y) in pairs.items():
            if math.isfinite(x) and y > 0:
                e = 100 * (x / y - 1)
                sums[k][0] += abs(e)
                sums[k][1] += e
                sums[k][2] += 1
        d = math.hypot(num(a["cop_x_mm"]) - num(t["cop_x_mm"]),
                       num(a["cop_y_mm"]) - num(t["cop_y_mm"]))
        if math.isfinite(d):
            sums["cop"][0] += d
            sums["cop"][2] += 1
    out = {}
    for k, (s_abs, s_sig, n) in sums.items():
        out[k] = (s_abs / n, s_sig / n) if n else (math.nan, math.nan)
    out["n"] = sums["force"][2]
    return out


def main(argv):
    print("Mean |error| per contact frame against truth (mean signed error in brackets):")
    print("off: no crosstalk correction; on: the sim's coefficients; auto: estimated.\n")
    print("| scene | crosstalk | frames | auto estimate % (row, col) | force err % off / on / "
          "auto | area err % off / on / auto | width err % off / on / auto "
          "| CoP err mm off / on / auto |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for k in range(0, len(argv), 3):
        scene, pct, d = argv[k:k + 3]
        with open(d + "/truth/truth.json") as f:
            tj = json.load(f)
        shape = tj["scene"]["roller"]["shape"]
        rate = tj["scene"]["mat"]["rate_hz"]
        truth = read_csv(d + "/truth/truth_frames.csv")
        r = {m: errors(truth, shape, rate, read_csv(d + "/" + m + "/frames.csv"))
             for m in ("off", "on", "auto")}
        with open(d + "/auto/summary.json") as f:
            est = json.load(f)["corrections"]["crosstalk"]["estimate"]

        def three(key):
            return " / ".join("%.2f (%+.2f)" % r[m][key] for m in ("off", "on", "auto"))

        print("| %s | %s%% | %d | %.4f, %.4f | %s | %s | %s | %s |" %
              (scene, pct, r["on"]["n"], est["row_pct"], est["col_pct"], three("force"),
               three("area"), three("width"),
               " / ".join("%.2f" % r[m]["cop"][0] for m in ("off", "on", "auto"))))


if __name__ == "__main__":
    main(sys.argv[1:])
