/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: SHA-256 (FIPS 180-4), for the /source sha256 of an import: the
 * digest of a file's exact bytes, computed while it is read. None of the
 * project's dependencies (HDF5, FFTW, libserialport, cmocka) offers one. */
#ifndef ROLLMAT_SHA256_H
#define ROLLMAT_SHA256_H

#define RMAT_HEADER_LAYER RMAT_LAYER_IMPORT
#include "rollmat/layer.h"

#include <stddef.h>
#include <stdint.h>

#define RMAT_SHA256_LEN 32 /* digest bytes */
#define RMAT_SHA256_HEX 65 /* hex digits and the terminator */

/* Caller-owned state; no heap. */
struct rmat_sha256 {
    uint32_t h[8];
    uint64_t bytes;    /* message length so far */
    uint8_t block[64]; /* a partial block */
    size_t fill;
};

void rmat_sha256_init(struct rmat_sha256 *s);

/* Adds len bytes of data. */
void rmat_sha256_update(struct rmat_sha256 *s, const void *data, size_t len);

/* Writes the digest; s must be initialised again before reuse. */
void rmat_sha256_final(struct rmat_sha256 *s, uint8_t out[RMAT_SHA256_LEN]);

/* The digest as lowercase hex (a NUL-terminated string of 64 digits). */
void rmat_sha256_hex(const uint8_t digest[RMAT_SHA256_LEN], char out[RMAT_SHA256_HEX]);

#endif
