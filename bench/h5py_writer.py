#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rewrites a rollmat recording the way another HDF5 writer would.

The performance benchmark (bench/perf.sh) times rollmat on files it did not
write itself: this script copies SRC to DST with h5py, group by group and
attribute by attribute (the docs/format.md layout), with the frames in
chunks of CHUNK frames (default 64, as a plain h5py script would choose)
and, with --deflate N, shuffle + deflate level N.

    /usr/bin/python3 bench/h5py_writer.py SRC.h5 DST.h5 [--chunk 64] [--deflate N]

Needs Debian's python3-h5py and python3-numpy (scripts/setup); exits 77
("skipped") without them.
"""
import argparse
import sys

try:
    import h5py
except ImportError as e:
    print("h5py_writer: %s: install python3-h5py (apt-get install python3-h5py)" % e,
          file=sys.stderr)
    sys.exit(77)

BLOCK = 8192  # frames copied at a time: memory stays small


def copy_attrs(src, dst):
    for k, v in src.attrs.items():
        dst.attrs[k] = v


def copy_dataset(name, d, out, chunk, deflate):
    shape, maxshape = d.shape, d.maxshape
    opts = {}
    if d.ndim >= 1:
        c = list(d.shape)
        c[0] = max(1, min(chunk if name == "frames/raw" else 4096, max(1, d.shape[0])))
        opts["chunks"] = tuple(c)
        opts["maxshape"] = maxshape
        if deflate is not None:
            opts["shuffle"] = True
            opts["compression"] = "gzip"
            opts["compression_opts"] = deflate
    nd = out.create_dataset(name, shape=shape, dtype=d.dtype, **opts)
    if d.ndim == 0:
        nd[()] = d[()]
    else:
        for first in range(0, shape[0], BLOCK):
            nd[first:first + BLOCK] = d[first:first + BLOCK]
    copy_attrs(d, nd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--deflate", type=int, default=None)
    a = ap.parse_args()
    with h5py.File(a.src, "r", swmr=True) as src, h5py.File(a.dst, "w-") as out:
        copy_attrs(src, out)

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                copy_attrs(obj, out.require_group(name))
            else:
                copy_dataset(name, obj, out, a.chunk, a.deflate)

        src.visititems(visit)


if __name__ == "__main__":
    main()
