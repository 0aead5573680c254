/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: Consistent Overhead Byte Stuffing.
 *
 * COBS removes every 0x00 from a packet so that 0x00 can end packets on the
 * wire. The encoding of n bytes is at most n + n/254 + 1 bytes; an empty
 * packet encodes as the single byte 0x01. These functions do not add or
 * expect the 0x00 delimiter: rmat_wire_encode() and the stream decoder
 * (decoder.h) handle it. Portable (firmware/core), no heap.
 */
#ifndef ROLLMAT_COBS_H
#define ROLLMAT_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Largest encoding of n input bytes (without the delimiter). */
#define RMAT_COBS_MAX_ENCODED(n) ((n) + (n) / 254 + 1)

/* Encodes len bytes of in into out (cap bytes). Returns the encoded length
 * (>= 1, no 0x00 in it), or RMAT_E_SPACE if cap is too small (out is then
 * undefined), RMAT_E_ARG for a NULL pointer with len or cap > 0. in and out
 * must not overlap. */
int rmat_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Decodes len bytes (one encoded packet, delimiter removed) into out (cap
 * bytes). Returns the decoded length, or RMAT_E_COBS if the input holds a
 * 0x00, is empty, or a code byte points past its end; RMAT_E_SPACE if cap is
 * too small. */
int rmat_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
