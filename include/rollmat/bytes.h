/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: little-endian get/put helpers for wire and file bytes.
 *
 * Shared by the firmware and the host. Bytes are assembled with shifts, never
 * by casting a struct or a pointer, so alignment and host byte order cannot
 * matter.
 */
#ifndef ROLLMAT_BYTES_H
#define ROLLMAT_BYTES_H

#include <stdint.h>

static inline uint16_t rmat_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)(p[1] << 8));
}

static inline uint32_t rmat_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t rmat_get_le64(const uint8_t *p)
{
    return (uint64_t)rmat_get_le32(p) | ((uint64_t)rmat_get_le32(p + 4) << 32);
}

static inline void rmat_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void rmat_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void rmat_put_le64(uint8_t *p, uint64_t v)
{
    rmat_put_le32(p, (uint32_t)v);
    rmat_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
