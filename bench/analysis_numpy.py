#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""rollmat's per-frame metrics and maps in plain numpy/h5py.

The same numbers as `rollmat analyze` (docs/metrics.md, "Per frame"
and "Maps"), written the way a researcher would write them: the whole
block of frames at once in array operations, no tricks. Two uses:

  bench/analysis (the C benchmark) times it against rmat_analyze():
      /usr/bin/python3 bench/analysis_numpy.py REC.h5

  the tests cross-check the C analysis with it, an implementation that
  shares no code with it:
      /usr/bin/python3 bench/analysis_numpy.py --check REC.h5 DIR/frames.csv

Run it with Debian's python3 (/usr/bin/python3, python3-numpy and
python3-h5py: scripts/setup installs them). Without numpy or h5py it exits
with status 77 ("skipped") and says why.
"""
import argparse
import math
import sys
import time

try:
    import h5py
    import numpy as np
except ImportError as e:  # the tests skip on 77
    print("analysis_numpy: %s: install python3-numpy and python3-h5py "
          "(apt-get install python3-numpy python3-h5py) and run /usr/bin/python3" % e,
          file=sys.stderr)
    sys.exit(77)

BLOCK = 4096  # frames per read


def attr(obj, name, default):
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
    return v


def calibration_lut(f, adc_bits):
    """The count -> kPa table and gains of /calibration (docs/calibration.md),
    or the identity and None without one."""
    n = 1 << (adc_bits if 1 <= adc_bits <= 16 else 16)
    c = np.arange(n, dtype=np.float64)
    if "calibration" not in f:
        return c, None, "counts"
    g = f["calibration"]
    curve = attr(g, "curve", "")
    fs = float(n - 1)
    cmax = float(attr(g, "c_max_counts", float("nan")))
    if math.isnan(cmax):
        cmax = fs
    if curve == "linear":
        zero = float(attr(g, "zero_counts", 0.0))
        if math.isnan(zero):
            zero = 0.0
        p = float(attr(g, "kpa_per_count", 1.0)) * (c - zero)
    elif curve == "power":
        p = float(attr(g, "a_kpa", 1.0)) * (c / cmax) ** float(attr(g, "b", 1.0))
    elif curve == "divider":
        cc = np.minimum(c, cmax - 0.5)
        p = float(attr(g, "a_kpa", 1.0)) * (cc / (cmax - cc)) ** float(attr(g, "b", 1.0))
    elif curve == "table":
        xs = np.concatenate(([0.0], g["table_counts"][()]))
        ys = np.concatenate(([0.0], g["table_kpa"][()]))
        if xs[1] <= 0:
            xs, ys = xs[1:], ys[1:]
        p = np.interp(c, xs, ys)
    else:
        raise SystemExit("analysis_numpy: unknown calibration curve %r" % curve)
    p = np.maximum(p, 0.0)
    gains = g["gains"][()].astype(np.float64) if "gains" in g else None
    return p, gains, "kPa"


def analyse(path, threshold=5.0):
    """Per-frame metrics (dict of arrays, one entry per frame) and maps."""
    with h5py.File(path, "r", swmr=True) as f:
        names = ["raw", "seq", "t_device_us", "t_host_ns"]
        n = min(f["frames"][k].shape[0] for k in names)
        dev = f["device"]
        rows, cols = int(attr(dev, "rows", 0)), int(attr(dev, "cols", 0))
        px, py = float(attr(dev, "pitch_x_mm", 1.0)), float(attr(dev, "pitch_y_mm", 1.0))
        rate = float(attr(dev, "rate_hz", 100.0))
        lut, gains, units = calibration_lut(f, int(attr(dev, "adc_bits", 16)))
        top = len(lut) - 1
        a_mm2 = px * py
        X = (np.arange(cols) + 0.5) * px
        Y = (np.arange(rows) + 0.5) * py
        t_us = f["frames/t_device_us"][:n].astype(np.int64)
        t = (t_us - t_us[0]) / 1e6 if n else np.zeros(0)
        dt = np.empty(n)
        if n:
            dt[0] = 1.0 / rate if rate > 0 else 0.0
            dt[1:] = np.maximum(np.diff(t), 0.0)
        out = {k: np.empty(n) for k in ("force_n", "area_cm2", "mean_kpa", "peak_kpa", "cop_x_mm",
                                          "cop_y_mm", "width_mm", "length_mm",
                                          "compliance_mm3_n")}
        dwell = np.zeros((rows, cols))
        pti = np.zeros((rows, cols))
        peak_map = np.full((rows, cols), -np.inf)
        raw = f["frames/raw"]
        for a in range(0, n, BLOCK):
            b = min(n, a + BLOCK)
            p = lut[np.minimum(raw[a:b], top)]
            if gains is not None:
                p = p * gains
            contact = p >= threshold
            w = np.where(contact, p, 0.0)
            sw = w.sum(axis=(1, 2))
            nc = contact.sum(axis=(1, 2))
            with np.errstate(invalid="ignore", divide="ignore"):
                cx = (w.sum(axis=1) * X).sum(axis=1) / sw
                cy = (w.sum(axis=2) * Y).sum(axis=1) / sw
                dx = X[None, None, :] - cx[:, None, None]
                dy = Y[None, :, None] - cy[:, None, None]
                sxx = (w * dx * dx).sum(axis=(1, 2)) / sw
                syy = (w * dy * dy).sum(axis=(1, 2)) / sw
                sxy = (w * dx * dy).sum(axis=(1, 2)) / sw
                half = 0.5 * (sxx + syy)
                rad = np.hypot(0.5 * (sxx - syy), sxy)
                lmax = half + rad
                lmin = np.maximum(half - rad, 0.0)
                force = sw * a_mm2 / 1000.0
                width = np.sqrt(12.0 * lmin)
                length = np.sqrt(12.0 * lmax)
                none = nc == 0
                out["force_n"][a:b] = force
                out["area_cm2"][a:b] = nc * a_mm2 / 100.0
                out["mean_kpa"][a:b] = np.where(none, np.nan, sw / nc)
                out["peak_kpa"][a:b] = p.max(axis=(1, 2))
                out["cop_x_mm"][a:b] = np.where(none, np.nan, cx)
                out["cop_y_mm"][a:b] = np.where(none, np.nan, cy)
                out["width_mm"][a:b] = np.where(none, np.nan, width)
                out["length_mm"][a:b] = np.where(none, np.nan, length)
                out["compliance_mm3_n"][a:b] = np.where(none, np.nan, width * width * length / force)
            d = dt[a:b][:, None, None]
            dwell += (contact * d).sum(axis=0)
            pti += (w * d).sum(axis=0)
            peak_map = np.maximum(peak_map, p.max(axis=0))
        out["t_s"] = t
        maps = {"dwell_s": dwell, "pti_kpa_s": pti, "peak_kpa": peak_map}
        return out, maps, units


COLUMNS = ["t_s", "force_n", "area_cm2", "mean_kpa", "peak_kpa", "cop_x_mm", "cop_y_mm",
           "width_mm", "length_mm", "compliance_mm3_n"]


def check(rec, frames_csv, threshold):
    """Compares frames.csv with this implementation: 7 significant digits
    are written, so a relative 2e-6 (or 1e-6 absolute, for zeros and the
    widths of point contacts) is the agreement to expect."""
    ours, _, _ = analyse(rec, threshold)
    with open(frames_csv) as fh:
        header = fh.readline().strip().split(",")
        idx = [header.index(c) for c in COLUMNS]
        bad = 0
        k = -1
        for k, line in enumerate(fh):
            fields = line.rstrip("\n").split(",")
            for c, i in zip(COLUMNS, idx):
                got = float(fields[i]) if fields[i] != "" else float("nan")
                want = float(ours[c][k])
                if math.isnan(want) or math.isnan(got):
                    ok = math.isnan(want) and math.isnan(got)
                else:
                    tol = 1e-6 if c == "t_s" else max(2e-6 * abs(want), 1e-6)
                    # widths: the closed-form smaller eigenvalue here cancels
                    # digits for thin contacts; allow its rounding.
                    if c in ("width_mm", "compliance_mm3_n"):
                        tol = max(tol, 1e-5 * abs(want), 2e-4)
                    ok = abs(got - want) <= tol
                if not ok:
                    bad += 1
                    if bad <= 10:
                        print("frame %d %s: frames.csv %r, numpy %r" % (k, c, fields[i], want),
                              file=sys.stderr)
        frames = k + 1
    if frames != len(ours["t_s"]):
        print("frames.csv has %d rows, the recording %d frames" % (frames, len(ours["t_s"])),
              file=sys.stderr)
        return 1
    print("analysis_numpy: %d frames x %d columns compared, %d differ" % (frames, len(COLUMNS),
                                                                           bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recording")
    ap.add_argument("frames_csv", nargs="?")
    ap.add_argument("--check", action="store_true",
                    help="compare with FRAMES_CSV written by rollmat analyze")
    ap.add_argument("--contact-threshold", type=float, default=5.0)
    args = ap.parse_args()
    if args.check:
        if not args.frames_csv:
            ap.error("--check needs REC.h5 and FRAMES_CSV")
        return check(args.recording, args.frames_csv, args.contact_threshold)
    t0 = time.monotonic()
    ours, maps, units = analyse(args.recording, args.contact_threshold)
    t1 = time.monotonic()
    n = len(ours["t_s"])
    print("analysis_numpy: %d frames in %.3f s (%.0f frames/s), units %s, peak %.6g" %
          (n, t1 - t0, n / max(t1 - t0, 1e-9), units, float(np.nanmax(maps["peak_kpa"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
