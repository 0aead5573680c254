/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stream decoder (firmware/core/decoder.c) fed a byte stream in chunks
 * of random sizes: the packets it yields must be the same as when the
 * stream is fed whole, and each must pass rmat_wire_check for its
 * direction (the decoder promises only good packets). The first byte
 * chooses the direction and seeds the chunk sizes; the rest is the
 * stream. */
#include <string.h>

#include "fuzz.h"
#include "rollmat/decoder.h"
#include "rollmat/wire.h"

#define MAX_PKTS 256

struct got {
    size_t n;
    uint32_t len[MAX_PKTS];
    uint32_t sum[MAX_PKTS]; /* FNV-1a of the packet's bytes */
};

static uint32_t fnv(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void run(const uint8_t *s, size_t len, enum rmat_wire_dir dir, uint32_t seed, struct got *g)
{
    static uint8_t buf[RMAT_WIRE_MAX_PACKET];
    struct rmat_decoder d;
    size_t at = 0;

    memset(g, 0, sizeof *g);
    rmat_decoder_init(&d, buf, sizeof buf, dir);
    while (at < len) {
        size_t chunk = len - at;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 64;
            if (chunk > len - at)
                chunk = len - at;
        }
        const uint8_t *in = s + at;
        size_t left = chunk;
        for (;;) {
            size_t used = 0, plen = 0;
            const uint8_t *pkt = NULL;
            int r = rmat_decoder_feed(&d, in, left, &used, &pkt, &plen);
            FUZZ_CHECK(r == 0 || r == 1);
            FUZZ_CHECK(used <= left);
            in += used;
            left -= used;
            if (r == 1) {
                FUZZ_CHECK(rmat_wire_check(pkt, plen, dir) > 0);
                if (g->n < MAX_PKTS) {
                    g->len[g->n] = (uint32_t)plen;
                    g->sum[g->n] = fnv(pkt, plen);
                }
                g->n++;
                continue;
            }
            FUZZ_CHECK(left == 0);
            break;
        }
        at += chunk;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct got whole, split;
    enum rmat_wire_dir dir;

    if (size < 1 || size > 200000)
        return 0;
    dir = data[0] & 1 ? RMAT_WIRE_TO_DEVICE : RMAT_WIRE_TO_HOST;
    run(data + 1, size - 1, dir, 0, &whole);
    run(data + 1, size - 1, dir, 0x9E3779B9u ^ data[0], &split);
    FUZZ_CHECK(whole.n == split.n);
    for (size_t i = 0; i < whole.n && i < MAX_PKTS; i++)
        FUZZ_CHECK(whole.len[i] == split.len[i] && whole.sum[i] == split.sum[i]);
    return 0;
}
