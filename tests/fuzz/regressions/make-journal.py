#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the journal regression inputs of issue 13, finding 3, by hand from
# the layout in include/rollmat/journal.h and the META field order of
# acq/journal.c (put_meta): the magic "RMATJNL1", then records of
# len u32 (type..payload) | type u8 | t_host_ns i64 | payload | crc32 u32
# (CRC-32/ISO-HDLC, zlib's, over len..payload). META (type 1) holds
# strings as u16 length + bytes and numbers as f64.
#   meta-rows-1e300    rows 1e300: converted to int, undefined behaviour
#   meta-65536x65536   rows*cols wrapped to 0 in an int and passed the check
#   meta-serial-1e20   serial past u32
#   meta-cols-nan      cols NaN
#   flip-mid           a good 6x5 journal of 3 frames with a bit flipped in
#                      the second frame's record (recovery skips it)
# Run from tests/fuzz/regressions: ./make-journal.py (writes journal/*)
import struct, zlib

def s16(b):
    return struct.pack('<H', len(b)) + b

def meta(serial, rows, cols):
    p = s16(b'fake mat 6x5') + struct.pack('<d', serial) + s16(b'fw-9.8.7')
    p += struct.pack('<ddddddd', 1, rows, cols, 12, 12.7, 10.16, 100.0)
    p += b''.join(s16(b'') for _ in range(5)) + struct.pack('<d', 120.0) + s16(b'floor')
    p += struct.pack('<d', 71.5) + b''.join(s16(b'') for _ in range(3))
    return p

def record(rtype, t_ns, payload):
    body = struct.pack('<IBq', 1 + 8 + len(payload), rtype, t_ns) + payload
    return body + struct.pack('<I', zlib.crc32(body) & 0xFFFFFFFF)

def frame(seq):
    # FRAME: type 2, version 1, seq u32, t_us u64, rows u8, cols u8,
    # encoding u8 (0 dense), reserved u8, then 30 samples u16, crc32
    body = struct.pack('<BBIQBBBB', 2, 1, seq, 1000000 + seq * 10000, 6, 5, 0, 0)
    body += b''.join(struct.pack('<H', (seq * 7 + i) & 0xFFF) for i in range(30))
    return body + struct.pack('<I', zlib.crc32(body) & 0xFFFFFFFF)

def write(name, data):
    with open('journal/' + name, 'wb') as f:
        f.write(data)

M = b'RMATJNL1'
write('meta-rows-1e300', M + record(1, 0, meta(1, 1e300, 5)))
write('meta-65536x65536', M + record(1, 0, meta(1, 65536, 65536)))
write('meta-serial-1e20', M + record(1, 0, meta(1e20, 6, 5)))
write('meta-cols-nan', M + record(1, 0, meta(1, 6, float('nan'))))
good = M + record(1, 0, meta(3000000001, 6, 5))
recs = [record(2, 1763724367000000000 + k * 10000000, frame(k)) for k in range(3)]
mid = bytearray(good + b''.join(recs))
mid[len(good) + len(recs[0]) + 30] ^= 0x10
write('flip-mid', bytes(mid))
