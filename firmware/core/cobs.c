/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999).
 *
 * The encoding is a chain of groups. Each group is a code byte c (1..255)
 * followed by c - 1 non-zero data bytes; a group with c < 255 stands for its
 * data followed by one 0x00, except the last group of the packet, whose
 * 0x00 is implied away. A group with c = 255 carries 254 data bytes and no
 * 0x00, which is how runs longer than 254 non-zero bytes are split.
 *
 * Choices that must match the stream decoder (decoder.c) and the tests:
 * - The encoder never ends with an empty group after a full one: 254
 *   non-zero bytes encode as FF + the 254 bytes (255 bytes), not FF + 254 +
 *   01. Both forms decode to the same bytes, and the decoders accept both.
 * - The empty packet encodes as the single byte 01.
 */
#include "rollmat/cobs.h"

#include "rollmat/err.h"

/* Lengths come back through an int; every target (host, Cortex-M) has a
 * 32-bit int, so outputs are limited to INT32_MAX bytes. */
_Static_assert(sizeof(int) >= 4, "rollmat needs a 32-bit int");
#define COBS_OUT_MAX ((size_t)INT32_MAX)

int rmat_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return RMAT_E_ARG;
    if (cap > COBS_OUT_MAX)
        cap = COBS_OUT_MAX;
    if (cap < 1)
        return RMAT_E_SPACE;

    /* code_at is where the open group's code byte goes once the group is
     * closed; code counts its data bytes plus one. */
    size_t code_at = 0;
    size_t o = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            if (o >= cap)
                return RMAT_E_SPACE;
            code_at = o++;
            code = 1;
            continue;
        }
        if (o >= cap)
            return RMAT_E_SPACE;
        out[o++] = in[i];
        code++;
        /* A full group closes without a 0x00; a new group opens only if
         * input is left, so no empty group trails a full one. */
        if (code == 0xFF && i + 1 < len) {
            out[code_at] = code;
            if (o >= cap)
                return RMAT_E_SPACE;
            code_at = o++;
            code = 1;
        }
    }
    out[code_at] = code;
    return (int)o;
}

int rmat_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    if ((in == NULL && len > 0) || (out == NULL && cap > 0))
        return RMAT_E_ARG;
    if (len == 0)
        return RMAT_E_COBS;
    if (cap > COBS_OUT_MAX)
        cap = COBS_OUT_MAX;

    size_t i = 0;
    size_t o = 0;
    while (i < len) {
        uint8_t code = in[i++];
        if (code == 0)
            return RMAT_E_COBS;
        size_t n = (size_t)code - 1;
        if (n > len - i)
            return RMAT_E_COBS;
        for (size_t k = 0; k < n; k++) {
            uint8_t b = in[i++];
            if (b == 0)
                return RMAT_E_COBS;
            if (o >= cap)
                return RMAT_E_SPACE;
            out[o++] = b;
        }
        /* The group's 0x00, unless the group is full or the packet's last. */
        if (code != 0xFF && i < len) {
            if (o >= cap)
                return RMAT_E_SPACE;
            out[o++] = 0;
        }
    }
    return (int)o;
}
