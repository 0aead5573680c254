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

static void put_byte(struct rmat_decoder *d, uint8_t b)
{
    if (d->len >= d->cap) {
        d->discard = 1;
        return;
    }
    d->buf[d->len++] = b;
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

int rmat_decoder_feed(struct rmat_decoder *d, const uint8_t *in, size_t len, size_t *consumed,
                      const uint8_t **pkt, size_t *pkt_len)
{
    if (d == NULL || consumed == NULL || pkt == NULL || pkt_len == NULL || (in == NULL && len > 0))
        return RMAT_E_ARG;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = in[i];
        if (b == 0) {
            if (end_packet(d, pkt_len)) {
                /* Stop here: the next packet would overwrite this one. */
                *pkt = d->buf;
                *consumed = i + 1;
                return 1;
            }
            continue;
        }
        if (d->discard)
            continue;
        if (d->left == 0) {
            if (d->code != 0 && d->code != 0xFF)
                put_byte(d, 0);
            d->code = b;
            d->left = (uint8_t)(b - 1);
        } else {
            put_byte(d, b);
            d->left--;
        }
    }
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
