/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the stream decoder (firmware/core/decoder.c).
 *
 * Streams are built from packets made with the wire builders (whose bytes
 * test_wire pins) and rmat_wire_encode; damaged packets are written by hand
 * or made by changing known bytes. What the decoder yields is compared with
 * the packets that went in, byte for byte, and its drop counters with the
 * damage that was done.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rollmat/bytes.h"
#include "rollmat/crc32.h"
#include "rollmat/decoder.h"
#include "rollmat/err.h"
#include "rollmat/wire.h"

#define MAX_PKTS 512
#define ARENA    (1u << 18)

/* Raw packets, back to back. */
struct pktlist {
    size_t n;
    size_t off[MAX_PKTS];
    size_t len[MAX_PKTS];
    size_t used;
    uint8_t bytes[ARENA];
};

/* A wire stream and where each packet's bytes start and its delimiter is. */
struct stream {
    size_t n;
    size_t start[MAX_PKTS];
    size_t delim[MAX_PKTS];
    size_t len;
    uint8_t bytes[ARENA];
};

/* Everything a decoder yielded, copied out before the next feed. */
struct got {
    size_t n;
    size_t off[MAX_PKTS];
    size_t len[MAX_PKTS];
    size_t used;
    uint8_t bytes[ARENA];
};

enum chunking { WHOLE, BYTEWISE, RANDOM };

static uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void list_add(struct pktlist *l, const uint8_t *pkt, size_t len)
{
    assert_true(l->n < MAX_PKTS);
    assert_true(l->used + len <= ARENA);
    memcpy(l->bytes + l->used, pkt, len);
    l->off[l->n] = l->used;
    l->len[l->n] = len;
    l->used += len;
    l->n++;
}

static void list_add_built(struct pktlist *l, int len_or_err, const uint8_t *pkt)
{
    assert_true(len_or_err > 0);
    list_add(l, pkt, (size_t)len_or_err);
}

static void stream_add_raw(struct stream *s, const uint8_t *wire, size_t len)
{
    assert_true(s->len + len <= ARENA);
    memcpy(s->bytes + s->len, wire, len);
    s->len += len;
}

/* Appends one raw packet, COBS-encoded and delimited. */
static void stream_add_pkt(struct stream *s, const uint8_t *pkt, size_t len)
{
    assert_true(s->n < MAX_PKTS);
    int n = rmat_wire_encode(pkt, len, s->bytes + s->len, ARENA - s->len);
    assert_true(n > 0);
    s->start[s->n] = s->len;
    s->delim[s->n] = s->len + (size_t)n - 1;
    s->len += (size_t)n;
    s->n++;
}

static void stream_add_list(struct stream *s, const struct pktlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        stream_add_pkt(s, l->bytes + l->off[i], l->len[i]);
}

/* Feeds in[0..len) to d in chunks and records every packet yielded. */
static void feed(struct rmat_decoder *d, const uint8_t *in, size_t len, enum chunking how,
                 uint32_t seed, struct got *g)
{
    size_t pos = 0;
    while (pos < len) {
        size_t chunk = len - pos;
        if (how == BYTEWISE)
            chunk = 1;
        else if (how == RANDOM)
            chunk = lcg_next(&seed) % 300; /* 0 included: an empty read */
        if (chunk > len - pos)
            chunk = len - pos;
        size_t done = 0;
        for (;;) {
            size_t used = 12345;
            const uint8_t *pkt = NULL;
            size_t pkt_len = 0;
            int rc = rmat_decoder_feed(d, in + pos + done, chunk - done, &used, &pkt, &pkt_len);
            assert_true(rc == 0 || rc == 1);
            assert_true(used <= chunk - done);
            done += used;
            if (rc == 0) {
                assert_int_equal(done, chunk);
                break;
            }
            assert_non_null(pkt);
            assert_true(g->n < MAX_PKTS && g->used + pkt_len <= ARENA);
            memcpy(g->bytes + g->used, pkt, pkt_len);
            g->off[g->n] = g->used;
            g->len[g->n] = pkt_len;
            g->used += pkt_len;
            g->n++;
        }
        pos += chunk;
    }
}

/* The packets yielded are exactly want's packets whose index has keep set
 * (all of them if keep is NULL), in order. */
static void expect_packets(const struct got *g, const struct pktlist *want, const uint8_t *keep)
{
    size_t k = 0;
    for (size_t i = 0; i < want->n; i++) {
        if (keep != NULL && !keep[i])
            continue;
        assert_true(k < g->n);
        assert_int_equal(g->len[k], want->len[i]);
        assert_memory_equal(g->bytes + g->off[k], want->bytes + want->off[i], want->len[i]);
        k++;
    }
    assert_int_equal(g->n, k);
}

static void expect_drops(const struct rmat_decoder *d, enum rmat_drop reason, uint32_t count)
{
    for (int r = 0; r < RMAT_DROP_COUNT; r++) {
        uint32_t want = r == (int)reason ? count : 0;
        if (d->drops[r] != want)
            print_message("drops[%s] = %u, expected %u\n", rmat_drop_name((enum rmat_drop)r),
                          d->drops[r], want);
        assert_int_equal(d->drops[r], want);
    }
    assert_int_equal(rmat_decoder_dropped(d), count);
}

/* A mix of every device packet, with frames of both encodings. */
static void make_device_packets(struct pktlist *l)
{
    static uint8_t pkt[RMAT_WIRE_MAX_PACKET];
    static uint16_t samples[32 * 32];
    memset(l, 0, sizeof *l);

    struct rmat_info info;
    memset(&info, 0, sizeof info);
    info.rows = 32;
    info.cols = 32;
    info.adc_bits = 12;
    info.encodings = 3;
    info.max_rate_hz = 1000;
    info.rate_hz = 100;
    info.serial = 99;
    strcpy(info.fw_version, "1.0.0");
    strcpy(info.model, "test mat");
    list_add_built(l, rmat_wire_build_info(pkt, sizeof pkt, &info), pkt);

    const struct rmat_ack ack = {.cmd = RMAT_PKT_START, .status = RMAT_ACK_OK, .token = 7};
    list_add_built(l, rmat_wire_build_ack(pkt, sizeof pkt, &ack), pkt);

    uint32_t seed = 2024u;
    for (uint32_t seq = 0; seq < 12; seq++) {
        /* A band of load across a few rows, random elsewhere zero. */
        memset(samples, 0, sizeof samples);
        for (size_t r = seq % 28; r < seq % 28 + 4; r++)
            for (size_t c = 0; c < 32; c++)
                samples[r * 32 + c] = (uint16_t)(lcg_next(&seed) % 4096);
        const struct rmat_frame_hdr hdr = {
            .seq = seq,
            .t_us = 1000000u + 10000u * seq,
            .rows = 32,
            .cols = 32,
            .encoding = (uint8_t)(seq % 2 == 0 ? RMAT_ENC_SPARSE : RMAT_ENC_DENSE),
        };
        list_add_built(l, rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), pkt);
        if (seq == 5) {
            const struct rmat_status st = {
                .t_us = 1050000, .frames_sent = 6, .rate_hz = 100, .streaming = 1};
            list_add_built(l, rmat_wire_build_status(pkt, sizeof pkt, &st), pkt);
            list_add_built(l, rmat_wire_build_log(pkt, sizeof pkt, 2, "half way", 8), pkt);
        }
    }
    const struct rmat_pong pong = {.token = 0, .t_us = 0};
    list_add_built(l, rmat_wire_build_pong(pkt, sizeof pkt, &pong), pkt);
}

static struct pktlist g_list;
static struct stream g_stream;
static struct got g_got;
static uint8_t g_buf[RMAT_WIRE_MAX_PACKET];

static int setup(void **state)
{
    (void)state;
    memset(&g_stream, 0, sizeof g_stream);
    memset(&g_got, 0, sizeof g_got);
    return 0;
}

/* --- chunking ----------------------------------------------------------- */

static void run_chunked(enum chunking how, uint32_t seed)
{
    make_device_packets(&g_list);
    stream_add_list(&g_stream, &g_list);
    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
    feed(&d, g_stream.bytes, g_stream.len, how, seed, &g_got);
    expect_packets(&g_got, &g_list, NULL);
    assert_int_equal(d.packets, g_list.n);
    assert_int_equal(rmat_decoder_dropped(&d), 0);
}

static void test_decoder_whole_stream(void **state)
{
    (void)state;
    run_chunked(WHOLE, 0);
}

static void test_decoder_one_byte_at_a_time(void **state)
{
    (void)state;
    run_chunked(BYTEWISE, 0);
}

static void test_decoder_random_chunk_sizes(void **state)
{
    (void)state;
    run_chunked(RANDOM, 31337u);
    memset(&g_stream, 0, sizeof g_stream);
    memset(&g_got, 0, sizeof g_got);
    run_chunked(RANDOM, 5u);
}

static void test_decoder_returns_after_each_packet(void **state)
{
    (void)state;
    make_device_packets(&g_list);
    stream_add_list(&g_stream, &g_list);
    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
    /* Each call stops right after the delimiter of the next packet. */
    size_t pos = 0;
    for (size_t i = 0; i < g_stream.n; i++) {
        size_t used = 0;
        const uint8_t *pkt = NULL;
        size_t pkt_len = 0;
        assert_int_equal(
            rmat_decoder_feed(&d, g_stream.bytes + pos, g_stream.len - pos, &used, &pkt, &pkt_len),
            1);
        assert_int_equal(pos + used, g_stream.delim[i] + 1);
        assert_ptr_equal(pkt, g_buf);
        assert_int_equal(pkt_len, g_list.len[i]);
        pos += used;
    }
    size_t used = 99;
    const uint8_t *pkt = NULL;
    size_t pkt_len = 0;
    assert_int_equal(rmat_decoder_feed(&d, g_stream.bytes + pos, 0, &used, &pkt, &pkt_len), 0);
    assert_int_equal(used, 0);
}

static void test_decoder_long_nonzero_runs(void **state)
{
    (void)state;
    /* COBS splits runs of non-zero bytes at 254: a full group (code FF)
     * carries no 0x00, every shorter group does. Runs of lengths around
     * one and two full groups, each followed by a 0x00, exercise both
     * sides of that rule in the stream decoder. The runs sit in the
     * samples of a dense 2x130 FRAME (520 sample bytes after the head,
     * whose reserved byte is a 0x00). */
    static const size_t runs[] = {1, 252, 253, 254, 255, 256, 507, 508, 509, 510, 519, 520};
    static uint8_t pkt[1024];
    static uint16_t samples[260];
    memset(&g_list, 0, sizeof g_list);
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        uint8_t bytes[520];
        for (size_t i = 0; i < sizeof bytes; i++)
            bytes[i] = (uint8_t)(1 + (i + r) % 255);
        if (runs[r] < sizeof bytes)
            bytes[runs[r]] = 0;
        for (size_t i = 0; i < 260; i++)
            samples[i] = (uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        const struct rmat_frame_hdr hdr = {.seq = 0x01010101u + (uint32_t)r,
                                           .t_us = 0x0101010101010101u,
                                           .rows = 2,
                                           .cols = 130,
                                           .encoding = RMAT_ENC_DENSE};
        list_add_built(&g_list, rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), pkt);
    }
    stream_add_list(&g_stream, &g_list);
    for (int how = WHOLE; how <= RANDOM; how++) {
        struct rmat_decoder d;
        rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
        memset(&g_got, 0, sizeof g_got);
        feed(&d, g_stream.bytes, g_stream.len, (enum chunking)how, 4u, &g_got);
        expect_packets(&g_got, &g_list, NULL);
        assert_int_equal(rmat_decoder_dropped(&d), 0);
    }
}

/* --- drops, one reason at a time ---------------------------------------- */

/* ACK(token 1) | bad | ACK(token 2): the two good ones come out, the bad
 * bytes count once as reason. */
static void expect_one_drop(const uint8_t *bad, size_t bad_len, enum rmat_drop reason,
                            enum rmat_wire_dir dir)
{
    static uint8_t pkt[64];
    memset(&g_list, 0, sizeof g_list);
    memset(&g_stream, 0, sizeof g_stream);
    memset(&g_got, 0, sizeof g_got);
    if (dir == RMAT_WIRE_TO_HOST) {
        struct rmat_ack ack = {.cmd = RMAT_PKT_PING, .status = 0, .token = 1};
        list_add_built(&g_list, rmat_wire_build_ack(pkt, sizeof pkt, &ack), pkt);
        ack.token = 2;
        list_add_built(&g_list, rmat_wire_build_ack(pkt, sizeof pkt, &ack), pkt);
    } else {
        struct rmat_cmd cmd = {.type = RMAT_PKT_PING, .token = 1};
        list_add_built(&g_list, rmat_wire_build_cmd(pkt, sizeof pkt, &cmd), pkt);
        cmd.token = 2;
        list_add_built(&g_list, rmat_wire_build_cmd(pkt, sizeof pkt, &cmd), pkt);
    }
    stream_add_pkt(&g_stream, g_list.bytes + g_list.off[0], g_list.len[0]);
    stream_add_raw(&g_stream, bad, bad_len);
    stream_add_pkt(&g_stream, g_list.bytes + g_list.off[1], g_list.len[1]);

    for (int how = WHOLE; how <= BYTEWISE; how++) {
        struct rmat_decoder d;
        rmat_decoder_init(&d, g_buf, sizeof g_buf, dir);
        memset(&g_got, 0, sizeof g_got);
        feed(&d, g_stream.bytes, g_stream.len, (enum chunking)how, 0, &g_got);
        expect_packets(&g_got, &g_list, NULL);
        expect_drops(&d, reason, 1);
        assert_int_equal(d.packets, 2);
    }
}

/* COBS-encodes a raw packet into out, with its delimiter. */
static size_t wire_of(const uint8_t *raw, size_t len, uint8_t *out, size_t cap)
{
    int n = rmat_wire_encode(raw, len, out, cap);
    assert_true(n > 0);
    return (size_t)n;
}

static void seal(uint8_t *pkt, size_t len)
{
    rmat_put_le32(pkt + len - 4, rmat_crc32(pkt, len - 4));
}

static void test_decoder_drop_short(void **state)
{
    (void)state;
    /* An empty packet: the previous packet's 0x00 and one more. */
    const uint8_t empty[] = {0x00};
    expect_one_drop(empty, sizeof empty, RMAT_DROP_SHORT, RMAT_WIRE_TO_HOST);
    /* The COBS form of the empty packet, 01 00, is empty too. */
    const uint8_t empty_cobs[] = {0x01, 0x00};
    expect_one_drop(empty_cobs, sizeof empty_cobs, RMAT_DROP_SHORT, RMAT_WIRE_TO_HOST);
    /* 06 03 01 02 03 04: five decoded bytes, under type + version + CRC. */
    const uint8_t five[] = {0x06, 0x03, 0x01, 0x02, 0x03, 0x04, 0x00};
    expect_one_drop(five, sizeof five, RMAT_DROP_SHORT, RMAT_WIRE_TO_HOST);
    /* An ACK with a 5-byte body, correctly sealed: shorter than ACK needs. */
    uint8_t raw[11] = {0x03, 0x01, 0x84, 0x00, 0x01, 0x02, 0x03};
    seal(raw, sizeof raw);
    uint8_t wire[16];
    expect_one_drop(wire, wire_of(raw, sizeof raw, wire, sizeof wire), RMAT_DROP_SHORT,
                    RMAT_WIRE_TO_HOST);
}

static void test_decoder_zero_at_stream_start_counts_short(void **state)
{
    (void)state;
    /* A host often sends a lone 0x00 to end whatever the device had
     * half-received; at the start of a stream it is an empty packet. */
    uint8_t pkt[32];
    const struct rmat_cmd cmd = {.type = RMAT_PKT_GET_INFO, .token = 9};
    int n = rmat_wire_build_cmd(pkt, sizeof pkt, &cmd);
    uint8_t stream[40] = {0x00};
    size_t len = 1 + wire_of(pkt, (size_t)n, stream + 1, sizeof stream - 1);
    struct rmat_decoder d;
    uint8_t buf[32];
    rmat_decoder_init(&d, buf, sizeof buf, RMAT_WIRE_TO_DEVICE);
    size_t used = 0;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(rmat_decoder_feed(&d, stream, len, &used, &out, &out_len), 1);
    assert_int_equal(used, len);
    assert_int_equal(out_len, (size_t)n);
    assert_memory_equal(out, pkt, (size_t)n);
    expect_drops(&d, RMAT_DROP_SHORT, 1);
}

static void test_decoder_drop_crc(void **state)
{
    (void)state;
    /* The ACK of test_wire (CRC 0x25bcd9ee) with its token changed. */
    const uint8_t raw[] = {0x03, 0x01, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xdf, 0xee, 0xd9, 0xbc, 0x25};
    uint8_t wire[16];
    expect_one_drop(wire, wire_of(raw, sizeof raw, wire, sizeof wire), RMAT_DROP_CRC,
                    RMAT_WIRE_TO_HOST);
}

static void test_decoder_drop_version(void **state)
{
    (void)state;
    uint8_t raw[] = {0x03, 0x02, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0};
    seal(raw, sizeof raw);
    uint8_t wire[16];
    expect_one_drop(wire, wire_of(raw, sizeof raw, wire, sizeof wire), RMAT_DROP_VERSION,
                    RMAT_WIRE_TO_HOST);
}

static void test_decoder_drop_type(void **state)
{
    (void)state;
    /* Type 0x07 is nobody's. */
    uint8_t raw[] = {0x07, 0x01, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0};
    seal(raw, sizeof raw);
    uint8_t wire[16];
    expect_one_drop(wire, wire_of(raw, sizeof raw, wire, sizeof wire), RMAT_DROP_TYPE,
                    RMAT_WIRE_TO_HOST);
}

static void test_decoder_direction_mismatch_is_type(void **state)
{
    (void)state;
    /* A valid START (test_wire's vector) fed to a host decoder... */
    const uint8_t start[] = {0x82, 0x01, 0x01, 0x00, 0x00, 0x00, 0x64,
                             0x00, 0x01, 0x27, 0x64, 0xae, 0xfc};
    uint8_t wire[20];
    expect_one_drop(wire, wire_of(start, sizeof start, wire, sizeof wire), RMAT_DROP_TYPE,
                    RMAT_WIRE_TO_HOST);
    /* ...and a valid ACK (test_wire's vector) fed to a device decoder. */
    const uint8_t ack[] = {0x03, 0x01, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xde, 0xee, 0xd9, 0xbc, 0x25};
    expect_one_drop(wire, wire_of(ack, sizeof ack, wire, sizeof wire), RMAT_DROP_TYPE,
                    RMAT_WIRE_TO_DEVICE);
}

static void test_decoder_drop_cobs(void **state)
{
    (void)state;
    /* Code 05 announces four bytes; the delimiter comes after two. */
    const uint8_t cut[] = {0x05, 0x11, 0x22, 0x00};
    expect_one_drop(cut, sizeof cut, RMAT_DROP_COBS, RMAT_WIRE_TO_HOST);
    /* A whole ACK whose last group lost its last byte. */
    const uint8_t ack[] = {0x03, 0x01, 0x82, 0x00, 0xef, 0xbe, 0xad, 0xde, 0xee, 0xd9, 0xbc, 0x25};
    uint8_t wire[20];
    size_t n = wire_of(ack, sizeof ack, wire, sizeof wire);
    wire[n - 2] = 0x00;
    expect_one_drop(wire, n - 1, RMAT_DROP_COBS, RMAT_WIRE_TO_HOST);
}

static void test_decoder_drop_malformed(void **state)
{
    (void)state;
    /* A sparse 2x2 FRAME listing index 1 twice, correctly sealed. */
    uint8_t raw[2 + 16 + 2 + 8 + 4] = {
        0x02, 0x01,                                     /* FRAME, version 1 */
        0x00, 0x00, 0x00, 0x00,                         /* seq 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* t_us 0 */
        0x02, 0x02, 0x01, 0x00,                         /* 2x2, sparse */
        0x02, 0x00,                                     /* count 2 */
        0x01, 0x00, 0x05, 0x00,                         /* index 1 = 5 */
        0x01, 0x00, 0x06, 0x00,                         /* index 1 = 6 */
    };
    seal(raw, sizeof raw);
    uint8_t wire[64];
    expect_one_drop(wire, wire_of(raw, sizeof raw, wire, sizeof wire), RMAT_DROP_MALFORMED,
                    RMAT_WIRE_TO_HOST);
    /* A LOG with 201 bytes of text. */
    uint8_t log[2 + 1 + 201 + 4];
    memset(log, 'x', sizeof log);
    log[0] = RMAT_PKT_LOG;
    log[1] = 1;
    log[2] = 0;
    seal(log, sizeof log);
    uint8_t wire2[256];
    expect_one_drop(wire2, wire_of(log, sizeof log, wire2, sizeof wire2), RMAT_DROP_MALFORMED,
                    RMAT_WIRE_TO_HOST);
}

/* A dense 81x101 FRAME: 6 + 16 + 2 * 8181 = 16384 bytes, the largest packet. */
static size_t make_max_frame(uint8_t *pkt, size_t cap)
{
    static uint16_t samples[81 * 101];
    uint32_t seed = 99u;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        uint32_t r = lcg_next(&seed);
        /* A third zero, the rest any 12-bit count: runs of every length. */
        samples[i] = r % 3 == 0 ? 0 : (uint16_t)((r >> 4) % 4096);
    }
    const struct rmat_frame_hdr hdr = {
        .seq = 1, .t_us = 2, .rows = 81, .cols = 101, .encoding = RMAT_ENC_DENSE};
    int n = rmat_wire_build_frame(pkt, cap, &hdr, samples);
    assert_int_equal(n, RMAT_WIRE_MAX_PACKET);
    return (size_t)n;
}

static void test_decoder_largest_packet_accepted(void **state)
{
    (void)state;
    static uint8_t raw[RMAT_WIRE_MAX_PACKET];
    memset(&g_list, 0, sizeof g_list);
    list_add(&g_list, raw, make_max_frame(raw, sizeof raw));
    stream_add_list(&g_stream, &g_list);
    stream_add_list(&g_stream, &g_list);
    /* A buffer of exactly 16384 bytes holds it. */
    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, RMAT_WIRE_MAX_PACKET, RMAT_WIRE_TO_HOST);
    feed(&d, g_stream.bytes, g_stream.len, RANDOM, 7u, &g_got);
    assert_int_equal(g_got.n, 2);
    assert_int_equal(g_got.len[0], RMAT_WIRE_MAX_PACKET);
    assert_memory_equal(g_got.bytes, raw, RMAT_WIRE_MAX_PACKET);
    assert_memory_equal(g_got.bytes + g_got.off[1], raw, RMAT_WIRE_MAX_PACKET);
    assert_int_equal(rmat_decoder_dropped(&d), 0);
}

static void test_decoder_drop_too_long(void **state)
{
    (void)state;
    /* The largest frame with one byte appended to its body (accepted by
     * the spec's rule on longer bodies, but now 16385 bytes) and resealed. */
    static uint8_t raw[RMAT_WIRE_MAX_PACKET + 1];
    static uint8_t wire[RMAT_WIRE_MAX_ENCODED + 8];
    size_t n = make_max_frame(raw, sizeof raw);
    raw[n - 4] = 0x5A;
    n++;
    seal(raw, n);
    assert_int_equal(rmat_wire_check(raw, n, RMAT_WIRE_TO_HOST), RMAT_E_TOOLONG);
    size_t w = wire_of(raw, n, wire, sizeof wire);
    expect_one_drop(wire, w, RMAT_DROP_TOOLONG, RMAT_WIRE_TO_HOST);

    /* A buffer larger than the limit does not raise it. */
    static uint8_t big[RMAT_WIRE_MAX_PACKET + 100];
    struct rmat_decoder d;
    rmat_decoder_init(&d, big, sizeof big, RMAT_WIRE_TO_HOST);
    assert_int_equal(d.cap, RMAT_WIRE_MAX_PACKET);
    memset(&g_got, 0, sizeof g_got);
    feed(&d, g_stream.bytes, g_stream.len, BYTEWISE, 0, &g_got);
    expect_packets(&g_got, &g_list, NULL);
    expect_drops(&d, RMAT_DROP_TOOLONG, 1);

    /* A run of non-zero noise far longer than any packet, then 0x00: one
     * drop, and nothing written past the buffer (ASan watches). */
    static uint8_t noise[3 * RMAT_WIRE_MAX_PACKET + 1];
    memset(noise, 0xFF, sizeof noise - 1);
    noise[sizeof noise - 1] = 0x00;
    expect_one_drop(noise, sizeof noise, RMAT_DROP_TOOLONG, RMAT_WIRE_TO_HOST);
}

static void test_decoder_small_device_buffer(void **state)
{
    (void)state;
    /* A device gives a 16-byte buffer. A PING with 6 bytes appended is 16
     * bytes and fits; with 7 it is too long. */
    uint8_t raw[32] = {RMAT_PKT_PING, 0x01, 0x2a, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7};
    uint8_t wire[64];
    size_t len = 0;
    seal(raw, 16);
    len += wire_of(raw, 16, wire + len, sizeof wire - len);
    seal(raw, 17);
    len += wire_of(raw, 17, wire + len, sizeof wire - len);
    const struct rmat_cmd stop = {.type = RMAT_PKT_STOP, .token = 3};
    uint8_t stop_pkt[16];
    int stop_len = rmat_wire_build_cmd(stop_pkt, sizeof stop_pkt, &stop);
    len += wire_of(stop_pkt, (size_t)stop_len, wire + len, sizeof wire - len);

    uint8_t buf[16];
    struct rmat_decoder d;
    rmat_decoder_init(&d, buf, sizeof buf, RMAT_WIRE_TO_DEVICE);
    memset(&g_got, 0, sizeof g_got);
    feed(&d, wire, len, BYTEWISE, 0, &g_got);
    assert_int_equal(g_got.n, 2);
    assert_int_equal(g_got.len[0], 16);
    assert_memory_equal(g_got.bytes, raw, 6);
    assert_int_equal(g_got.len[1], (size_t)stop_len);
    assert_memory_equal(g_got.bytes + g_got.off[1], stop_pkt, (size_t)stop_len);
    expect_drops(&d, RMAT_DROP_TOOLONG, 1);
    struct rmat_cmd c;
    assert_int_equal(rmat_wire_parse_cmd(g_got.bytes, 16, &c), RMAT_OK);
    assert_int_equal(c.type, RMAT_PKT_PING);
    assert_int_equal(c.token, 42);
}

/* --- garbage, noise, resync ----------------------------------------------- */

static void test_decoder_garbage_between_packets(void **state)
{
    (void)state;
    make_device_packets(&g_list);
    uint32_t seed = 8u;
    size_t garbage = 0;
    for (size_t i = 0; i < g_list.n; i++) {
        stream_add_pkt(&g_stream, g_list.bytes + g_list.off[i], g_list.len[i]);
        /* 1..400 random non-zero bytes, then the 0x00 that ends them. */
        size_t n = 1 + lcg_next(&seed) % 400;
        for (size_t k = 0; k < n; k++) {
            uint8_t b = (uint8_t)(1 + lcg_next(&seed) % 255);
            stream_add_raw(&g_stream, &b, 1);
        }
        const uint8_t zero = 0;
        stream_add_raw(&g_stream, &zero, 1);
        garbage++;
    }
    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
    feed(&d, g_stream.bytes, g_stream.len, RANDOM, 1u, &g_got);
    expect_packets(&g_got, &g_list, NULL);
    assert_int_equal(rmat_decoder_dropped(&d), garbage);
    assert_int_equal(d.packets, g_list.n);
}

/* Feeds the stream with bit `bit` flipped and checks that exactly the
 * damaged packets are lost and counted. */
static void flip_one_bit(size_t bit)
{
    static uint8_t damaged[ARENA];
    static uint8_t keep[MAX_PKTS];
    memcpy(damaged, g_stream.bytes, g_stream.len);
    size_t at = bit / 8;
    damaged[at] ^= (uint8_t)(1u << (bit % 8));

    size_t k = 0;
    while (g_stream.delim[k] < at)
        k++;
    memset(keep, 1, g_stream.n);
    keep[k] = 0;
    uint32_t want_drops;
    if (at == g_stream.delim[k]) {
        /* The delimiter is gone: packet k runs into packet k + 1 and the
         * two are lost as one. The last packet has no successor: it is
         * left in progress, not yet dropped. */
        if (k + 1 < g_stream.n) {
            keep[k + 1] = 0;
            want_drops = 1;
        } else {
            want_drops = 0;
        }
    } else {
        /* A byte turned into 0x00 cuts packet k in two, each dropped. */
        want_drops = damaged[at] == 0 ? 2 : 1;
    }

    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
    g_got.n = 0;
    g_got.used = 0;
    feed(&d, damaged, g_stream.len, WHOLE, 0, &g_got);
    expect_packets(&g_got, &g_list, keep);
    assert_int_equal(rmat_decoder_dropped(&d), want_drops);
}

static void test_decoder_single_bit_flip_resyncs(void **state)
{
    (void)state;
    /* Small packets so every bit of the stream can be tried. */
    static uint8_t pkt[256];
    static uint16_t samples[6 * 5];
    memset(&g_list, 0, sizeof g_list);
    uint32_t seed = 3u;
    for (uint32_t seq = 0; seq < 6; seq++) {
        for (size_t i = 0; i < 30; i++)
            samples[i] = lcg_next(&seed) % 4 == 0 ? 0 : (uint16_t)(lcg_next(&seed) % 4096);
        const struct rmat_frame_hdr hdr = {
            .seq = seq, .t_us = 500u * seq, .rows = 6, .cols = 5, .encoding = (uint8_t)(seq % 2)};
        list_add_built(&g_list, rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), pkt);
    }
    const struct rmat_ack ack = {.cmd = RMAT_PKT_PING, .status = 0, .token = 0x01000100u};
    list_add_built(&g_list, rmat_wire_build_ack(pkt, sizeof pkt, &ack), pkt);
    stream_add_list(&g_stream, &g_list);
    assert_true(g_stream.len > 300);
    for (size_t bit = 0; bit < 8 * g_stream.len; bit++)
        flip_one_bit(bit);
}

/* The whole-packet path (a packet whose delimiter is in the same input is
 * decoded in one pass) against the byte-by-byte path, which never sees a
 * whole packet: the same bytes fed whole, in random chunks and one byte at
 * a time give the same packets and the same drop counts, on streams of
 * valid frames with random damage (bit flips, extra and missing 0x00,
 * bytes cut out), through a full-size buffer and a small one (too long).
 * A consistency check between two paths of the decoder; the other tests
 * of this file hold the truth of each drop reason. */
static void test_decoder_whole_packets_match_bytewise(void **state)
{
    static uint8_t pkt[600];
    static uint16_t samples[256];
    static struct got g_whole, g_bytes, g_rand;
    static uint8_t small[300];
    uint32_t seed = 2026u;
    (void)state;

    for (int round = 0; round < 40; round++) {
        memset(&g_list, 0, sizeof g_list);
        memset(&g_stream, 0, sizeof g_stream);
        for (uint32_t seq = 0; seq < 40; seq++) {
            const int side = 4 + (int)(lcg_next(&seed) % 13); /* 4x4 .. 16x16 */
            for (int i = 0; i < side * side; i++)
                samples[i] = (uint16_t)(lcg_next(&seed) % 3 == 0 ? 0 : lcg_next(&seed) % 4096);
            const struct rmat_frame_hdr hdr = {.seq = seq,
                                               .t_us = 1000u * seq,
                                               .rows = (uint8_t)side,
                                               .cols = (uint8_t)side,
                                               .encoding = RMAT_ENC_DENSE};
            list_add_built(&g_list, rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), pkt);
        }
        stream_add_list(&g_stream, &g_list);
        /* Damage: a few flips, a zero put in, a byte cut out. */
        for (int k = 0; k < 6; k++) {
            const size_t at = lcg_next(&seed) % g_stream.len;
            switch (lcg_next(&seed) % 3) {
            case 0:
                g_stream.bytes[at] ^= (uint8_t)(1u << (lcg_next(&seed) % 8));
                break;
            case 1:
                g_stream.bytes[at] = 0;
                break;
            default:
                memmove(g_stream.bytes + at, g_stream.bytes + at + 1, g_stream.len - at - 1);
                g_stream.len--;
                break;
            }
        }
        for (int b = 0; b < 2; b++) {
            uint8_t *buf = b == 0 ? g_buf : small;
            const size_t cap = b == 0 ? sizeof g_buf : sizeof small;
            struct rmat_decoder dw, db, dr;
            memset(&g_whole, 0, sizeof g_whole);
            memset(&g_bytes, 0, sizeof g_bytes);
            memset(&g_rand, 0, sizeof g_rand);
            rmat_decoder_init(&dw, buf, cap, RMAT_WIRE_TO_HOST);
            feed(&dw, g_stream.bytes, g_stream.len, WHOLE, 0, &g_whole);
            rmat_decoder_init(&db, buf, cap, RMAT_WIRE_TO_HOST);
            feed(&db, g_stream.bytes, g_stream.len, BYTEWISE, 0, &g_bytes);
            rmat_decoder_init(&dr, buf, cap, RMAT_WIRE_TO_HOST);
            feed(&dr, g_stream.bytes, g_stream.len, RANDOM, seed, &g_rand);
            assert_int_equal(g_whole.n, g_bytes.n);
            assert_int_equal(g_rand.n, g_bytes.n);
            assert_int_equal(g_whole.used, g_bytes.used);
            assert_memory_equal(g_whole.bytes, g_bytes.bytes, g_bytes.used);
            assert_memory_equal(g_rand.bytes, g_bytes.bytes, g_bytes.used);
            assert_int_equal(dw.packets, db.packets);
            for (int r = 0; r < RMAT_DROP_COUNT; r++) {
                assert_int_equal(dw.drops[r], db.drops[r]);
                assert_int_equal(dr.drops[r], db.drops[r]);
            }
        }
    }
}

static void test_decoder_random_noise_loses_only_damaged_frames(void **state)
{
    (void)state;
    /* 300 dense 8x8 frames (150 raw bytes each) with about one bit in
     * 10^4 flipped (the noise target of DESIGN.md): a packet is lost
     * exactly when one of its bytes or the delimiter in front of it was
     * hit; every other packet comes out, unchanged and in order. */
    static uint8_t pkt[256];
    static uint16_t samples[64];
    static uint8_t keep[MAX_PKTS];
    memset(&g_list, 0, sizeof g_list);
    uint32_t seed = 11u;
    for (uint32_t seq = 0; seq < 300; seq++) {
        for (size_t i = 0; i < 64; i++)
            samples[i] = (uint16_t)(lcg_next(&seed) % 4096);
        const struct rmat_frame_hdr hdr = {
            .seq = seq, .t_us = 1000u * seq, .rows = 8, .cols = 8, .encoding = RMAT_ENC_DENSE};
        list_add_built(&g_list, rmat_wire_build_frame(pkt, sizeof pkt, &hdr, samples), pkt);
    }
    stream_add_list(&g_stream, &g_list);
    memset(keep, 1, g_stream.n);
    size_t flips = 0;
    for (size_t bit = 0; bit < 8 * g_stream.len; bit++) {
        if (lcg_next(&seed) % 10000 != 0)
            continue;
        size_t at = bit / 8;
        g_stream.bytes[at] ^= (uint8_t)(1u << (bit % 8));
        flips++;
        size_t k = 0;
        while (g_stream.delim[k] < at)
            k++;
        keep[k] = 0;
        if (at == g_stream.delim[k] && k + 1 < g_stream.n)
            keep[k + 1] = 0;
    }
    size_t lost = 0;
    for (size_t i = 0; i < g_stream.n; i++) {
        if (!keep[i])
            lost++;
    }
    print_message("%zu flips, %zu of %zu packets lost\n", flips, lost, g_stream.n);
    /* Enough damage for the test to mean something, not so much that
     * nothing is left to find. */
    assert_true(flips >= 10);
    assert_true(lost >= 10 && lost < g_stream.n / 2);

    struct rmat_decoder d;
    rmat_decoder_init(&d, g_buf, sizeof g_buf, RMAT_WIRE_TO_HOST);
    feed(&d, g_stream.bytes, g_stream.len, RANDOM, 77u, &g_got);
    expect_packets(&g_got, &g_list, keep);
    assert_int_equal(d.packets, g_stream.n - lost);
    /* Each flip makes at most two drops (a new 0x00 cuts a packet in two)
     * and a lost packet at least one, shared when delimiters merge them. */
    assert_true(rmat_decoder_dropped(&d) >= 1);
    assert_true(rmat_decoder_dropped(&d) <= 2 * flips);
}

/* --- state and names ---------------------------------------------------- */

static void test_decoder_reset_forgets_partial_keeps_counters(void **state)
{
    (void)state;
    uint8_t pkt[32];
    const struct rmat_cmd cmd = {.type = RMAT_PKT_START, .token = 5, .rate_hz = 50};
    int n = rmat_wire_build_cmd(pkt, sizeof pkt, &cmd);
    uint8_t wire[32];
    size_t w = wire_of(pkt, (size_t)n, wire, sizeof wire);
    uint8_t buf[32];
    struct rmat_decoder d;
    rmat_decoder_init(&d, buf, sizeof buf, RMAT_WIRE_TO_DEVICE);

    /* A CRC drop first, so there is a counter to keep. */
    uint8_t bad[32];
    memcpy(bad, pkt, (size_t)n);
    bad[3] ^= 0x40;
    uint8_t bad_wire[32];
    size_t bw = wire_of(bad, (size_t)n, bad_wire, sizeof bad_wire);
    size_t used = 0;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(rmat_decoder_feed(&d, bad_wire, bw, &used, &out, &out_len), 0);
    assert_int_equal(d.drops[RMAT_DROP_CRC], 1);

    /* Half a packet, then a reset (a reconnect): the half is forgotten, not
     * glued in front of the next packet and not counted. */
    assert_int_equal(rmat_decoder_feed(&d, wire, w / 2, &used, &out, &out_len), 0);
    rmat_decoder_reset(&d);
    assert_int_equal(d.len, 0);
    assert_int_equal(rmat_decoder_feed(&d, wire, w, &used, &out, &out_len), 1);
    assert_int_equal(out_len, (size_t)n);
    assert_memory_equal(out, pkt, (size_t)n);
    assert_int_equal(d.packets, 1);
    expect_drops(&d, RMAT_DROP_CRC, 1);

    /* Without the reset the two halves make one damaged packet. */
    assert_int_equal(rmat_decoder_feed(&d, wire, w / 2, &used, &out, &out_len), 0);
    assert_int_equal(rmat_decoder_feed(&d, wire, w, &used, &out, &out_len), 0);
    assert_int_equal(rmat_decoder_dropped(&d), 2);
    assert_int_equal(d.packets, 1);

    /* init clears counters; reset and dropped accept NULL. */
    rmat_decoder_init(&d, buf, sizeof buf, RMAT_WIRE_TO_DEVICE);
    assert_int_equal(rmat_decoder_dropped(&d), 0);
    assert_int_equal(d.packets, 0);
    rmat_decoder_reset(NULL);
    assert_int_equal(rmat_decoder_dropped(NULL), 0);
}

static void test_decoder_argument_errors(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct rmat_decoder d;
    rmat_decoder_init(&d, buf, sizeof buf, RMAT_WIRE_TO_HOST);
    const uint8_t in[] = {0x00};
    size_t used = 0;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(rmat_decoder_feed(NULL, in, 1, &used, &out, &out_len), RMAT_E_ARG);
    assert_int_equal(rmat_decoder_feed(&d, NULL, 1, &used, &out, &out_len), RMAT_E_ARG);
    assert_int_equal(rmat_decoder_feed(&d, in, 1, NULL, &out, &out_len), RMAT_E_ARG);
    assert_int_equal(rmat_decoder_feed(&d, in, 1, &used, NULL, &out_len), RMAT_E_ARG);
    assert_int_equal(rmat_decoder_feed(&d, in, 1, &used, &out, NULL), RMAT_E_ARG);
    assert_int_equal(rmat_decoder_dropped(&d), 0);
    assert_int_equal(rmat_decoder_feed(&d, NULL, 0, &used, &out, &out_len), 0);
    assert_int_equal(used, 0);
}

static void test_decoder_drop_names_and_mapping(void **state)
{
    (void)state;
    assert_string_equal(rmat_drop_name(RMAT_DROP_TOOLONG), "too_long");
    assert_string_equal(rmat_drop_name(RMAT_DROP_SHORT), "short");
    assert_string_equal(rmat_drop_name(RMAT_DROP_CRC), "crc");
    assert_string_equal(rmat_drop_name(RMAT_DROP_VERSION), "version");
    assert_string_equal(rmat_drop_name(RMAT_DROP_TYPE), "type");
    assert_string_equal(rmat_drop_name(RMAT_DROP_COBS), "cobs");
    assert_string_equal(rmat_drop_name(RMAT_DROP_MALFORMED), "malformed");
    assert_string_equal(rmat_drop_name(RMAT_DROP_COUNT), "?");

    assert_int_equal(rmat_drop_from_err(RMAT_E_TOOLONG), RMAT_DROP_TOOLONG);
    assert_int_equal(rmat_drop_from_err(RMAT_E_SHORT), RMAT_DROP_SHORT);
    assert_int_equal(rmat_drop_from_err(RMAT_E_CRC), RMAT_DROP_CRC);
    assert_int_equal(rmat_drop_from_err(RMAT_E_VERSION), RMAT_DROP_VERSION);
    assert_int_equal(rmat_drop_from_err(RMAT_E_TYPE), RMAT_DROP_TYPE);
    assert_int_equal(rmat_drop_from_err(RMAT_E_COBS), RMAT_DROP_COBS);
    assert_int_equal(rmat_drop_from_err(RMAT_E_MALFORMED), RMAT_DROP_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_decoder_whole_stream, setup),
        cmocka_unit_test_setup(test_decoder_one_byte_at_a_time, setup),
        cmocka_unit_test_setup(test_decoder_random_chunk_sizes, setup),
        cmocka_unit_test_setup(test_decoder_returns_after_each_packet, setup),
        cmocka_unit_test_setup(test_decoder_long_nonzero_runs, setup),
        cmocka_unit_test_setup(test_decoder_drop_short, setup),
        cmocka_unit_test_setup(test_decoder_zero_at_stream_start_counts_short, setup),
        cmocka_unit_test_setup(test_decoder_drop_crc, setup),
        cmocka_unit_test_setup(test_decoder_drop_version, setup),
        cmocka_unit_test_setup(test_decoder_drop_type, setup),
        cmocka_unit_test_setup(test_decoder_direction_mismatch_is_type, setup),
        cmocka_unit_test_setup(test_decoder_drop_cobs, setup),
        cmocka_unit_test_setup(test_decoder_drop_malformed, setup),
        cmocka_unit_test_setup(test_decoder_largest_packet_accepted, setup),
        cmocka_unit_test_setup(test_decoder_drop_too_long, setup),
        cmocka_unit_test_setup(test_decoder_small_device_buffer, setup),
        cmocka_unit_test_setup(test_decoder_garbage_between_packets, setup),
        cmocka_unit_test_setup(test_decoder_single_bit_flip_resyncs, setup),
        cmocka_unit_test_setup(test_decoder_random_noise_loses_only_damaged_frames, setup),
        cmocka_unit_test_setup(test_decoder_whole_packets_match_bytewise, setup),
        cmocka_unit_test_setup(test_decoder_reset_forgets_partial_keeps_counters, setup),
        cmocka_unit_test_setup(test_decoder_argument_errors, setup),
        cmocka_unit_test_setup(test_decoder_drop_names_and_mapping, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
