#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# The checks of bench/crash.sh, with Debian's h5py (python3-h5py) and numpy.
#   plain FILE              opens FILE as plain readers do (no swmr=True);
#                           prints "FRAMES LAST_T_HOST_NS"; exit 1 if it cannot
#   snap FILE OUT.npz       what a file left open holds (read with swmr=True)
#   same SNAP.npz FILE      FILE, completed, holds at least the snapshot's
#                           frames, the common ones identical (raw, seq, times),
#                           and seq has no hole: recovery was exact
#   truth FILE OUT.npz      the frames of a complete recording, by seq
#   subset TRUTH.npz FILE   every frame of FILE (recovered from a torn or
#                           bit-flipped journal) is the truth's frame of the
#                           same seq, exactly; prints the frame count
import sys
import h5py
import numpy as np

def read(path, swmr):
    kw = {'libver': 'latest', 'swmr': True} if swmr else {}
    with h5py.File(path, 'r', **kw) as f:
        n = min(f[k].shape[0] for k in ('frames/raw', 'frames/seq', 'frames/t_device_us',
                                         'frames/t_host_ns'))
        return (f['frames/raw'][:n], f['frames/seq'][:n], f['frames/t_device_us'][:n],
                f['frames/t_host_ns'][:n])

def fail(msg):
    print(msg)
    sys.exit(1)

cmd = sys.argv[1]
if cmd == 'plain':
    try:
        raw, seq, td, th = read(sys.argv[2], False)
    except OSError as e:
        fail('does not open plainly: %s' % e)
    print(len(seq), int(th[-1]) if len(th) else 0)
elif cmd in ('snap', 'truth'):
    raw, seq, td, th = read(sys.argv[2], True)
    np.savez(sys.argv[3], raw=raw, seq=seq, td=td, th=th)
elif cmd == 'same':
    s = np.load(sys.argv[2])
    raw, seq, td, th = read(sys.argv[3], False)
    n = len(s['seq'])
    if len(seq) < n:
        fail('completed file has %d frames, the file left open had %d' % (len(seq), n))
    if not (np.array_equal(raw[:n], s['raw']) and np.array_equal(seq[:n], s['seq'])
            and np.array_equal(td[:n], s['td']) and np.array_equal(th[:n], s['th'])):
        fail('completed file differs from the file left open in its first %d frames' % n)
    if len(seq) and not np.array_equal(seq, np.arange(seq[0], seq[0] + len(seq))):
        fail('seq has a hole')
    print(len(seq))
elif cmd == 'subset':
    t = np.load(sys.argv[2])
    index = {int(q): i for i, q in enumerate(t['seq'])}
    raw, seq, td, th = read(sys.argv[3], False)
    for k in range(len(seq)):
        i = index.get(int(seq[k]))
        if i is None:
            fail('frame %d: seq %d is not in the journal' % (k, seq[k]))
        if not (np.array_equal(raw[k], t['raw'][i]) and td[k] == t['td'][i]
                and th[k] == t['th'][i]):
            fail('frame %d (seq %d) differs from the journal\'s' % (k, seq[k]))
    print(len(seq))
else:
    fail('unknown command ' + cmd)
