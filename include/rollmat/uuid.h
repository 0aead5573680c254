/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: random identifiers (UUID version 4, RFC 9562), the identity of
 * a recording (docs/format.md, root attribute recording_id).
 *
 * Text form: 36 characters, lowercase hexadecimal in groups of 8-4-4-4-12
 * separated by '-', e.g. "1b4e28ba-2fa1-41d2-883f-0016d3cca427". Version 4
 * means 122 random bits; the version nibble (the 13th hex digit) is 4 and
 * the variant (the 17th) one of 8, 9, a, b.
 */
#ifndef ROLLMAT_UUID_H
#define ROLLMAT_UUID_H

#define RMAT_HEADER_LAYER RMAT_LAYER_COMMON
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#include "rollmat/diag.h"

#define RMAT_UUID_STR_LEN 37 /* 36 characters and the terminator */

/* A new random UUID v4 as text into out (at least RMAT_UUID_STR_LEN bytes),
 * from the kernel's random source (getrandom(2)). RMAT_E_IO (errno detail)
 * if the kernel gives no randomness; out is "" then. */
int rmat_uuid_v4(char *out, struct rmat_errinfo *ei);

/* The text form of 16 random bytes made a UUID v4: sets the version and
 * variant bits and formats it into out (RMAT_UUID_STR_LEN bytes). Pure:
 * rmat_uuid_v4() is this over getrandom(). */
void rmat_uuid_v4_format(const uint8_t bytes[16], char *out);

/* 1 if s is a UUID in the text form above (any version, either case), 0
 * otherwise (NULL too). */
int rmat_uuid_valid(const char *s);

#endif
