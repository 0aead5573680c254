/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Random identifiers (uuid.h). */
#include "rollmat/uuid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void rmat_uuid_v4_format(const uint8_t bytes[16], char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    size_t o = 0;

    memcpy(b, bytes, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* variant 10xx (RFC 9562) */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0F];
    }
    out[o] = '\0';
}

int rmat_uuid_v4(char *out, struct rmat_errinfo *ei)
{
    uint8_t b[16];
    size_t got = 0;

    out[0] = '\0';
    /* 16 bytes never block once the pool is initialised, and a read of at
     * most 256 bytes is never cut short by a signal; loop all the same. */
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return rmat_errinfo_set(ei, RMAT_E_IO, errno, "no randomness for a recording id: %s",
                                    strerror(errno));
        got += (size_t)n;
    }
    rmat_uuid_v4_format(b, out);
    return RMAT_OK;
}

int rmat_uuid_valid(const char *s)
{
    if (!s || strlen(s) != RMAT_UUID_STR_LEN - 1)
        return 0;
    for (int i = 0; i < RMAT_UUID_STR_LEN - 1; i++) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}
