/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat: incremental stream decoder for the wire protocol.
 *
 * Takes bytes in chunks of any size (one byte at a time included) and yields
 * complete, checked raw packets (type | version | body | crc). COBS is undone
 * on the fly, so the decoder keeps one buffer of decoded bytes and no copy of
 * the encoded ones. Every dropped packet is counted by reason; after a drop
 * the decoder resynchronises at the next 0x00, so a damaged packet costs
 * that packet and nothing more. The buffer lives in the caller's memory:
 * a host gives RMAT_WIRE_MAX_PACKET bytes, a device a few dozen (commands
 * are short, anything longer is dropped as too long).
 *
 * Portable (firmware/core), no heap.
 */
#ifndef ROLLMAT_DECODER_H
#define ROLLMAT_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "rollmat/wire.h"

enum rmat_drop {
    RMAT_DROP_TOOLONG = 0, /* longer than the buffer or RMAT_WIRE_MAX_PACKET */
    RMAT_DROP_SHORT,       /* empty, or shorter than its type needs */
    RMAT_DROP_CRC,
    RMAT_DROP_VERSION,
    RMAT_DROP_TYPE,
    RMAT_DROP_COBS,
    RMAT_DROP_MALFORMED, /* a FRAME whose fields disagree (see rmat_wire_check) */
    RMAT_DROP_COUNT
};

struct rmat_decoder {
    uint8_t *buf;                    /* decoded bytes of the packet in progress */
    size_t cap;                      /* usable bytes of buf (at most RMAT_WIRE_MAX_PACKET) */
    size_t len;                      /* decoded bytes so far */
    uint8_t left;                    /* bytes left in the current COBS group */
    uint8_t code;                    /* the current group's code byte, 0 before the first */
    uint8_t discard;                 /* the packet in progress is already lost (too long, COBS) */
    uint8_t dir;                     /* enum rmat_wire_dir */
    uint32_t packets;                /* good packets yielded */
    uint32_t drops[RMAT_DROP_COUNT]; /* dropped packets by reason */
};

/* Prepares d over the caller's buffer buf of cap bytes, accepting the packet
 * types of direction dir. Packets longer than min(cap, RMAT_WIRE_MAX_PACKET)
 * are dropped as too long. */
void rmat_decoder_init(struct rmat_decoder *d, uint8_t *buf, size_t cap, enum rmat_wire_dir dir);

/* Forgets the packet in progress (e.g. after a reconnect); keeps counters. */
void rmat_decoder_reset(struct rmat_decoder *d);

/* Consumes bytes of in until the end of the first good packet or the end of
 * the input, and sets *consumed to the number of bytes used. Returns 1 with
 * *pkt and *pkt_len set to the raw packet (inside d's buffer, valid until
 * the next call on d) when a good packet ended; 0 when the input ran out
 * first (the partial packet is kept for the next call). Bad packets met on
 * the way are counted in d->drops and skipped. Call again with the rest of
 * the input until it returns 0. RMAT_E_ARG, with no byte used and nothing
 * written, for a NULL d, consumed, pkt or pkt_len, or a NULL in with
 * len > 0. */
int rmat_decoder_feed(struct rmat_decoder *d, const uint8_t *in, size_t len, size_t *consumed,
                      const uint8_t **pkt, size_t *pkt_len);

/* Total of d->drops. */
uint32_t rmat_decoder_dropped(const struct rmat_decoder *d);

/* The drop reason of an rmat_err code returned by rmat_wire_check()
 * (RMAT_E_SHORT -> RMAT_DROP_SHORT, ...). */
enum rmat_drop rmat_drop_from_err(int err);

/* A short name for a drop reason ("too_long", "short", "crc", "version",
 * "type", "cobs", "malformed"). */
const char *rmat_drop_name(enum rmat_drop reason);

#endif
