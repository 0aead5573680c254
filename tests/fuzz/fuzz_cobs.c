/* SPDX-License-Identifier: GPL-3.0-or-later */
/* COBS (firmware/core/cobs.c): the input decoded as one encoded packet
 * (errors are fine, overruns are not), and encoded then decoded again,
 * which must give the input back, with no 0x00 in the encoding and no more
 * than RMAT_COBS_MAX_ENCODED bytes. */
#include <string.h>

#include "fuzz.h"
#include "rollmat/cobs.h"

#define MAX_IN 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t enc[RMAT_COBS_MAX_ENCODED(MAX_IN)], dec[MAX_IN];
    int n, m;

    if (size > MAX_IN)
        return 0;
    (void)rmat_cobs_decode(data, size, dec, sizeof dec);
    n = rmat_cobs_encode(data, size, enc, sizeof enc);
    FUZZ_CHECK(n >= 1 && (size_t)n <= RMAT_COBS_MAX_ENCODED(size));
    FUZZ_CHECK(memchr(enc, 0, (size_t)n) == NULL);
    m = rmat_cobs_decode(enc, (size_t)n, dec, sizeof dec);
    FUZZ_CHECK(m >= 0 && (size_t)m == size);
    FUZZ_CHECK(size == 0 || memcmp(dec, data, size) == 0);
    return 0;
}
