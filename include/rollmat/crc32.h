/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: CRC-32/ISO-HDLC, the CRC of the wire protocol.
 *
 * Reflected polynomial 0xEDB88320, init 0xFFFFFFFF, final xor 0xFFFFFFFF:
 * the same value as zlib's crc32() and Python's zlib.crc32. Portable
 * (firmware/core), table-driven with a const table.
 */
#ifndef ROLLMAT_CRC32_H
#define ROLLMAT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC over more bytes, zlib-style: start with crc = 0; the value
 * returned is the finished CRC of everything fed so far, and can be passed
 * back in to go on. rmat_crc32_update(0, "123456789", 9) == 0xCBF43926. */
uint32_t rmat_crc32_update(uint32_t crc, const uint8_t *buf, size_t len);

/* The CRC of one buffer: rmat_crc32_update(0, buf, len). */
uint32_t rmat_crc32(const uint8_t *buf, size_t len);

#endif
