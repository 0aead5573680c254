/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Incremental stream decoder: COBS undone byte by byte into the caller's
 * buffer, packets ended by 0x00, checked by rmat_wire_check().
 *
 * State between bytes (struct rmat_decoder):
 * - left: data bytes still due in the current COBS group; 0 means the next
 *   non-zero byte is a code byte.
 * - code: the current group's code byte, 0 before the packet's first group.
 *   A group with a code below 0xFF stands for its data plus one 0x00, but the
 *   0x00 is written only when the next code byte arrives, because the last
 *   group of a packet has none. So the buffer holds exactly the decoded
 *   packet whenever a delimiter may arrive.
 * - discard: the packet overflowed the buffer; its remaining bytes are
 *   skipped and it is counted as too long at its delimiter. This is the
 *   only way a packet is lost before its 0x00: a COBS error can only be
 *   seen at the delimiter (a group cut short), because every non-zero byte
 *   is a valid code byte.
 *
 * A packet that is both too long and cut short counts once, as too long.
 */
#include "rollmat/decoder.h"

#include <string.h>

#include "rollmat/err.h"

void rmat_decoder_init(struct rmat_decoder *d, uint8_t *buf, size_t cap, enum rmat_wire_dir dir)
{
    if (d == NULL)
        return;
    d->buf = buf;
    /* A NULL buffer holds nothing: every non-empty packet is too long. */
    d->cap = buf == NULL ? 0 : (cap > RMAT_WIRE_MAX_PACKET ? RMAT_WIRE_MAX_PACKET : cap);
    d->dir = (uint8_t)dir;
    d->packets = 0;
    for (size_t i = 0; i < RMAT_DROP_COUNT; i++)
        d->drops[i] = 0;
    rmat_decoder_reset(d);
}

void rmat_decoder_reset(struct rmat_decoder *d)
{
    if (d == NULL)
        return;
    d->len = 0;
    d->left = 0;
    d->code = 0;
    d->discard = 0;
}

/* Ends the packet in progress at its delimiter. Returns 1 if it is good (its
 * length in *pkt_len), 0 if it was dropped and counted. */
static int end_packet(struct rmat_decoder *d, size_t *pkt_len)
{
    int good = 0;
    if (d->discard) {
        d->drops[RMAT_DROP_TOOLONG]++;
    } else if (d->left != 0) {
        d->drops[RMAT_DROP_COBS]++;
    } else {
        /* An empty packet (a 0x00 right after a 0x00, or at the start of the
         * stream) reaches here with len 0 and is counted as short. */
        int rc = rmat_wire_check(d->buf, d->len, (enum rmat_wire_dir)d->dir);
        if (rc > 0) {
            *pkt_len = d->len;
            d->packets++;
            good = 1;
        } else {
            d->drops[rmat_drop_from_err(rc)]++;
        }
    }
    rmat_decoder_reset(d);
    return good;
}

/* What cobs_whole() found. */
enum whole { WHOLE_OK, WHOLE_TOOLONG, WHOLE_COBS };

/* A whole packet's n COBS bytes (no 0x00 among them: the delimiter ends
 * them) decoded into buf in one pass: the same outcome as the byte-by-byte
 * path below for the same bytes, including which of "too long" and "cut
 * short" counts when both apply (too long, as it is met first). At 64x64
 * and 1000 Hz nearly every packet arrives whole in one read, and a group
 * is a memcpy here instead of a byte loop with a test for 0x00. */
static enum whole cobs_whole(const uint8_t *p, size_t n, uint8_t *buf, size_t cap, size_t *out)
{
    size_t o = 0, k = 0;
    unsigned prev = 0;

    while (k < n) {
        const unsigned code = p[k++];
        const size_t run = code - 1u, avail = n - k, take = run < avail ? run : avail;
        /* The group before stood for its data and one 0x00, unless it was a
         * full group of 254 (code 0xFF). */
        if (prev != 0 && prev != 0xFFu) {
            if (o >= cap)
                return WHOLE_TOOLONG;
            buf[o++] = 0;
        }
        if (take > cap - o)
            return WHOLE_TOOLONG;
        if (take > 0)
            memcpy(buf + o, p + k, take);
        o += take;
        k += take;
        if (take < run)
            return WHOLE_COBS; /* the delimiter came inside the group */
        prev = code;
    }
    *out = o;
    return WHOLE_OK;
}

int rmat_decoder_feed(struct rmat_decoder *d, const uint8_t *in, size_t len, size_t *consumed,
                      const uint8_t **pkt, size_t *pkt_len)
{
    /* The state lives in locals during the loop and goes back into d at
     * every exit: stores through the uint8_t buffer may alias anything, so
     * fields read through d would be reloaded after every byte written. */
    uint8_t *const buf = d ? d->buf : NULL;
    size_t dlen, cap;
    unsigned left, code, discard;

    if (d == NULL || consumed == NULL || pkt == NULL || pkt_len == NULL || (in == NULL && len > 0))
        return RMAT_E_ARG;
    dlen = d->len;
    cap = d->cap;
    left = d->left;
    code = d->code;
    discard = d->discard;
    for (size_t i = 0; i < len; i++) {
        const uint8_t b = in[i];
        if (b != 0 && dlen == 0 && code == 0 && !discard) {
            /* A packet starts here: if its delimiter is in this input too,
             * decode it whole (cobs_whole()). */
            const uint8_t *z = memchr(in + i, 0, len - i);
            if (z) {
                const size_t n = (size_t)(z - (in + i));
                size_t out_len = 0;
                const enum whole w = cobs_whole(in + i, n, buf, cap, &out_len);
                d->len = w == WHOLE_OK ? out_len : 0;
                d->left = w == WHOLE_COBS ? 1 : 0;
                d->code = 0;
                d->discard = w == WHOLE_TOOLONG;
                i += n; /* in[i] is the delimiter now */
                if (end_packet(d, pkt_len)) {
                    *pkt = d->buf;
                    *consumed = i + 1;
                    return 1;
                }
                dlen = 0;
                left = 0;
                code = 0;
                discard = 0;
                continue;
            }
        }
        if (b == 0) {
            d->len = dlen;
            d->left = (uint8_t)left;
            d->code = (uint8_t)code;
            d->discard = (uint8_t)discard;
            if (end_packet(d, pkt_len)) {
                /* Stop here: the next packet would overwrite this one. */
                *pkt = d->buf;
                *consumed = i + 1;
                return 1;
            }
            dlen = 0;
            left = 0;
            code = 0;
            discard = 0;
            continue;
        }
        if (discard)
            continue;
        if (left == 0) {
            /* A code byte. The group before it, if shorter than 254 data
             * bytes, stood for its data and one 0x00. */
            if (code != 0 && code != 0xFF) {
                if (dlen >= cap) {
                    discard = 1;
                    continue;
                }
                buf[dlen++] = 0;
            }
            code = b;
            left = b - 1u;
        } else {
            /* Inside a group: the next left bytes are data unless a 0x00
             * (a delimiter, the group cut short) comes first. Runs are
             * short in noisy dense frames (a sample under 256 has a zero
             * high byte, so a group per sample) and long in sparse or
             * loaded ones; a plain loop serves the first, memchr and
             * memcpy the second. At 64x64 and 1000 Hz this is 8 MB/s. */
            size_t run = left, k = 0, lim;
            if (run > len - i)
                run = len - i;
            lim = run < cap - dlen ? run : cap - dlen;
            if (lim < 32) {
                while (k < lim && in[i + k] != 0) {
                    buf[dlen + k] = in[i + k];
                    k++;
                }
            } else {
                const uint8_t *zero = memchr(in + i, 0, lim);
                k = zero ? (size_t)(zero - (in + i)) : lim;
                memcpy(buf + dlen, in + i, k);
            }
            if (k == lim && lim < run) {
                /* Data left and no room: the packet is too long. The rest
                 * of it is skipped byte by byte up to its delimiter. */
                discard = 1;
                continue;
            }
            /* k >= 1: in[i] is not 0. The loop's i++ steps past the last. */
            dlen += k;
            left -= (unsigned)k;
            i += k - 1;
        }
    }
    d->len = dlen;
    d->left = (uint8_t)left;
    d->code = (uint8_t)code;
    d->discard = (uint8_t)discard;
    *consumed = len;
    return 0;
}

uint32_t rmat_decoder_dropped(const struct rmat_decoder *d)
{
    if (d == NULL)
        return 0;
    uint32_t total = 0;
    for (size_t i = 0; i < RMAT_DROP_COUNT; i++)
        total += d->drops[i];
    return total;
}

enum rmat_drop rmat_drop_from_err(int err)
{
    switch (err) {
    case RMAT_E_TOOLONG:
        return RMAT_DROP_TOOLONG;
    case RMAT_E_SHORT:
        return RMAT_DROP_SHORT;
    case RMAT_E_CRC:
        return RMAT_DROP_CRC;
    case RMAT_E_VERSION:
        return RMAT_DROP_VERSION;
    case RMAT_E_TYPE:
        return RMAT_DROP_TYPE;
    case RMAT_E_COBS:
        return RMAT_DROP_COBS;
    /* Any other code means the packet's contents are unusable: malformed. */
    default:
        return RMAT_DROP_MALFORMED;
    }
}

const char *rmat_drop_name(enum rmat_drop reason)
{
    switch (reason) {
    case RMAT_DROP_TOOLONG:
        return "too_long";
    case RMAT_DROP_SHORT:
        return "short";
    case RMAT_DROP_CRC:
        return "crc";
    case RMAT_DROP_VERSION:
        return "version";
    case RMAT_DROP_TYPE:
        return "type";
    case RMAT_DROP_COBS:
        return "cobs";
    case RMAT_DROP_MALFORMED:
        return "malformed";
    default:
        return "?";
    }
}
