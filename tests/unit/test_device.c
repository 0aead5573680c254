/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The device core driven through a fake port: commands and their ACKs,
 * scanning order and settle, streaming timing, STATUS, test pattern. The
 * host side of the codec decodes what the device wrote, so a test fails if
 * either side strays from docs/protocol.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rollmat/device.h"

#define ROWS 4
#define COLS 3

struct fake {
    uint64_t now_us;
    unsigned row;
    int calls[64]; /* scanning order: +100+row for select, col for read */
    size_t ncalls;
    uint32_t settled_us;
    uint8_t out[1 << 20];
    size_t tx_limit;
    size_t out_len;
    int refuse_writes;
    uint32_t begun_seq;
};

static uint64_t f_now(void *ctx)
{
    return ((struct fake *)ctx)->now_us;
}

static void f_select(void *ctx, unsigned row)
{
    struct fake *f = ctx;
    f->row = row;
    if (f->ncalls < 64)
        f->calls[f->ncalls++] = 100 + (int)row;
}

static void f_delay(void *ctx, uint32_t us)
{
    ((struct fake *)ctx)->settled_us += us;
}

static uint16_t f_read(void *ctx, unsigned col)
{
    struct fake *f = ctx;
    if (f->ncalls < 64)
        f->calls[f->ncalls++] = (int)col;
    /* each sensel reads 10*row + col + 1, so order and placement show */
    return (uint16_t)(10 * f->row + col + 1);
}

/* The link: takes everything unless it is refusing, or at most tx_limit
 * bytes per call when that is set (a slow link). */
static size_t f_tx(void *ctx, const uint8_t *buf, size_t len)
{
    struct fake *f = ctx;
    if (f->refuse_writes)
        return 0;
    if (f->tx_limit && len > f->tx_limit)
        len = f->tx_limit;
    if (len > sizeof f->out - f->out_len)
        len = sizeof f->out - f->out_len;
    memcpy(f->out + f->out_len, buf, len);
    f->out_len += len;
    return len;
}

static void f_begin(void *ctx, uint32_t seq, uint64_t t_us)
{
    (void)t_us;
    ((struct fake *)ctx)->begun_seq = seq;
}

struct rig {
    struct fake fake;
    struct rmat_dev_config cfg;
    struct rmat_dev dev;
    struct rmat_decoder dec;
    uint8_t decbuf[RMAT_WIRE_MAX_PACKET];
    size_t read_pos;
};

static struct rig rig; /* large; one rig per test, reset in setup */

static int setup(void **state)
{
    struct rmat_dev_port port = {.ctx = &rig.fake,
                                 .now_us = f_now,
                                 .begin_frame = f_begin,
                                 .select_row = f_select,
                                 .delay_us = f_delay,
                                 .read_col = f_read,
                                 .tx = f_tx};
    (void)state;
    memset(&rig, 0, sizeof rig);
    rig.cfg.info.rows = ROWS;
    rig.cfg.info.cols = COLS;
    rig.cfg.info.adc_bits = 12;
    rig.cfg.info.encodings = 3;
    rig.cfg.info.pitch_x_um = 12700;
    rig.cfg.info.pitch_y_um = 12700;
    rig.cfg.info.max_rate_hz = 200;
    rig.cfg.info.rate_hz = 100;
    rig.cfg.info.serial = 42;
    strcpy(rig.cfg.info.fw_version, "test-1");
    strcpy(rig.cfg.info.model, "fake mat");
    rig.cfg.settle_us = 7;
    rig.fake.now_us = 5000000;
    rmat_dev_init(&rig.dev, &rig.cfg, &port);
    rmat_decoder_init(&rig.dec, rig.decbuf, sizeof rig.decbuf, RMAT_WIRE_TO_HOST);
    return 0;
}

/* Sends a command to the device as a host would. */
static void send_cmd(uint8_t type, uint32_t token, uint16_t rate, uint8_t enc, uint8_t mode)
{
    struct rmat_cmd cmd = {
        .type = type, .token = token, .rate_hz = rate, .encoding = enc, .mode = mode};
    uint8_t pkt[64], wire[80];
    int n = rmat_wire_build_cmd(pkt, sizeof pkt, &cmd);
    assert_true(n > 0);
    n = rmat_wire_encode(pkt, (size_t)n, wire, sizeof wire);
    assert_true(n > 0);
    rmat_dev_rx(&rig.dev, wire, (size_t)n);
}

/* Next packet the device wrote, or 0 if none. */
static int next_pkt(const uint8_t **pkt, size_t *len)
{
    while (rig.read_pos < rig.fake.out_len) {
        size_t used = 0;
        int got = rmat_decoder_feed(&rig.dec, rig.fake.out + rig.read_pos,
                                    rig.fake.out_len - rig.read_pos, &used, pkt, len);
        rig.read_pos += used;
        if (got == 1)
            return (*pkt)[0];
    }
    return 0;
}

static void expect_ack(uint8_t cmd, uint8_t status, uint32_t token)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_ack ack;
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_ACK);
    assert_int_equal(rmat_wire_parse_ack(pkt, len, &ack), RMAT_OK);
    assert_int_equal(ack.cmd, cmd);
    assert_int_equal(ack.status, status);
    assert_int_equal(ack.token, token);
}

static void test_device_get_info_acks_then_info(void **state)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_info info;
    (void)state;
    send_cmd(RMAT_PKT_GET_INFO, 0xA1B2C3D4u, 0, 0, 0);
    expect_ack(RMAT_PKT_GET_INFO, RMAT_ACK_OK, 0xA1B2C3D4u);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_INFO);
    assert_int_equal(rmat_wire_parse_info(pkt, len, &info), RMAT_OK);
    assert_int_equal(info.rows, ROWS);
    assert_int_equal(info.cols, COLS);
    assert_int_equal(info.serial, 42);
    assert_int_equal(info.max_rate_hz, 200);
    assert_string_equal(info.model, "fake mat");
    assert_int_equal(next_pkt(&pkt, &len), 0);
}

static void test_device_start_streams_on_schedule(void **state)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_frame_hdr hdr;
    uint16_t s[ROWS * COLS];
    (void)state;
    send_cmd(RMAT_PKT_START, 7, 100, RMAT_ENC_DENSE, 0);
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 7);
    /* At 100 Hz frames are due at +0, +10 ms, +20 ms: poll at +25 ms sends
     * them one per poll, each stamped with its due time. */
    rmat_dev_poll(&rig.dev);
    rig.fake.now_us += 25000;
    for (int i = 0; i < 5; i++)
        rmat_dev_poll(&rig.dev);
    for (uint32_t k = 0; k < 3; k++) {
        assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, s, ROWS * COLS), RMAT_OK);
        assert_int_equal(hdr.seq, k);
        assert_int_equal(hdr.t_us, 5000000u + 10000u * k);
        assert_int_equal(hdr.encoding, RMAT_ENC_DENSE);
        assert_int_equal(s[0], 1);
        assert_int_equal(s[ROWS * COLS - 1], 10 * (ROWS - 1) + COLS);
    }
    assert_int_equal(next_pkt(&pkt, &len), 0);
    assert_int_equal(rig.dev.frames_sent, 3);
    assert_int_equal(rig.fake.begun_seq, 2);
}

static void test_device_scans_row_then_columns_with_settle(void **state)
{
    (void)state;
    send_cmd(RMAT_PKT_START, 1, 100, RMAT_ENC_DENSE, 0);
    rig.fake.ncalls = 0;
    rmat_dev_poll(&rig.dev);
    /* select row 0, read cols 0..2, select row 1, ... */
    assert_int_equal(rig.fake.ncalls, ROWS * (COLS + 1));
    for (int i = 0; i < ROWS; i++) {
        assert_int_equal(rig.fake.calls[i * (COLS + 1)], 100 + i);
        for (int j = 0; j < COLS; j++)
            assert_int_equal(rig.fake.calls[i * (COLS + 1) + 1 + j], j);
    }
    assert_int_equal(rig.fake.settled_us, ROWS * 7);
}

static void test_device_start_refuses_bad_rate_and_encoding(void **state)
{
    const uint8_t *pkt;
    size_t len;
    (void)state;
    send_cmd(RMAT_PKT_START, 2, 201, RMAT_ENC_DENSE, 0); /* above max_rate_hz */
    expect_ack(RMAT_PKT_START, RMAT_ACK_BAD_ARG, 2);
    send_cmd(RMAT_PKT_START, 3, 0, RMAT_ENC_DENSE, 0);
    expect_ack(RMAT_PKT_START, RMAT_ACK_BAD_ARG, 3);
    send_cmd(RMAT_PKT_START, 4, 100, 5, 0); /* no encoding 5 */
    expect_ack(RMAT_PKT_START, RMAT_ACK_UNSUPPORTED, 4);
    rig.fake.now_us += 100000;
    rmat_dev_poll(&rig.dev);
    assert_int_equal(next_pkt(&pkt, &len), 0); /* changed nothing: no frames */
    assert_int_equal(rig.dev.streaming, 0);
}

static void test_device_start_while_streaming_restarts_seq(void **state)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_frame_hdr hdr;
    uint16_t s[ROWS * COLS];
    (void)state;
    send_cmd(RMAT_PKT_START, 1, 100, RMAT_ENC_DENSE, 0);
    for (int i = 0; i < 4; i++) {
        rmat_dev_poll(&rig.dev);
        rig.fake.now_us += 10000;
    }
    send_cmd(RMAT_PKT_START, 2, 50, RMAT_ENC_DENSE, 0);
    rmat_dev_poll(&rig.dev);
    rig.fake.now_us += 20000; /* 50 Hz: next due 20 ms later */
    rmat_dev_poll(&rig.dev);
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 1);
    for (uint32_t k = 0; k < 4; k++) {
        assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, s, ROWS * COLS), RMAT_OK);
        assert_int_equal(hdr.seq, k);
    }
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 2);
    for (uint32_t k = 0; k < 2; k++) {
        assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, s, ROWS * COLS), RMAT_OK);
        assert_int_equal(hdr.seq, k);
    }
    assert_int_equal(rig.dev.rate_hz, 50);
}

static void test_device_stop_ping_status_mode(void **state)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_pong pong;
    struct rmat_status st;
    (void)state;
    send_cmd(RMAT_PKT_START, 1, 100, RMAT_ENC_DENSE, 0);
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 1);
    rmat_dev_poll(&rig.dev); /* one frame */
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
    send_cmd(RMAT_PKT_STOP, 2, 0, 0, 0);
    expect_ack(RMAT_PKT_STOP, RMAT_ACK_OK, 2);
    rig.fake.now_us += 50000;
    rmat_dev_poll(&rig.dev);
    assert_int_equal(next_pkt(&pkt, &len), 0); /* stopped: no frames */

    rig.fake.now_us = 123456789;
    send_cmd(RMAT_PKT_PING, 3, 0, 0, 0);
    expect_ack(RMAT_PKT_PING, RMAT_ACK_OK, 3);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_PONG);
    assert_int_equal(rmat_wire_parse_pong(pkt, len, &pong), RMAT_OK);
    assert_int_equal(pong.token, 3);
    assert_int_equal(pong.t_us, 123456789u);

    send_cmd(RMAT_PKT_SET_MODE, 4, 0, 0, 2); /* no mode 2 */
    expect_ack(RMAT_PKT_SET_MODE, RMAT_ACK_BAD_ARG, 4);
    send_cmd(RMAT_PKT_SET_MODE, 5, 0, 0, RMAT_MODE_TEST_PATTERN);
    expect_ack(RMAT_PKT_SET_MODE, RMAT_ACK_OK, 5);

    send_cmd(RMAT_PKT_GET_STATUS, 6, 0, 0, 0);
    expect_ack(RMAT_PKT_GET_STATUS, RMAT_ACK_OK, 6);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_STATUS);
    assert_int_equal(rmat_wire_parse_status(pkt, len, &st), RMAT_OK);
    assert_int_equal(st.streaming, 0);
    assert_int_equal(st.mode, RMAT_MODE_TEST_PATTERN);
    assert_int_equal(st.frames_sent, 1);
    assert_int_equal(st.t_us, 123456789u);
}

static void test_device_status_once_a_second_while_streaming(void **state)
{
    const uint8_t *pkt;
    size_t len;
    int frames = 0, statuses = 0;
    (void)state;
    send_cmd(RMAT_PKT_START, 1, 10, RMAT_ENC_DENSE, 0);
    for (int ms = 0; ms <= 3000; ms += 5) {
        rmat_dev_poll(&rig.dev);
        rig.fake.now_us += 5000;
    }
    while (next_pkt(&pkt, &len)) {
        frames += pkt[0] == RMAT_PKT_FRAME;
        statuses += pkt[0] == RMAT_PKT_STATUS;
    }
    /* 3.0 s at 10 Hz: frames at 0, 0.1, ..., 3.0 s = 31; STATUS at 1, 2, 3 s */
    assert_int_equal(frames, 31);
    assert_int_equal(statuses, 3);
}

/* The device stops on its own (the virtual mat's scene is over) and says
 * so at once with a STATUS of streaming 0; then no more frames or STATUS,
 * and a second call does nothing. */
static void test_device_end_stream_sends_status(void **state)
{
    struct rmat_status st;
    const uint8_t *pkt;
    size_t len;
    int frames = 0;
    (void)state;
    assert_int_equal(rmat_dev_end_stream(&rig.dev), 0); /* not streaming: nothing */
    assert_int_equal(next_pkt(&pkt, &len), 0);
    send_cmd(RMAT_PKT_START, 1, 10, RMAT_ENC_DENSE, 0);
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 1);
    for (int ms = 0; ms < 250; ms += 5) {
        rmat_dev_poll(&rig.dev);
        rig.fake.now_us += 5000;
    }
    while (next_pkt(&pkt, &len) == RMAT_PKT_FRAME)
        frames++;
    assert_int_equal(frames, 3);
    rig.fake.now_us = 7654321;
    assert_int_equal(rmat_dev_end_stream(&rig.dev), 1);
    assert_int_equal(rig.dev.streaming, 0);
    rmat_dev_poll(&rig.dev); /* queued; the link takes it at the next poll */
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_STATUS);
    assert_int_equal(rmat_wire_parse_status(pkt, len, &st), RMAT_OK);
    assert_int_equal(st.streaming, 0);
    assert_int_equal(st.frames_sent, 3);
    assert_int_equal(st.t_us, 7654321u);
    for (int ms = 0; ms <= 3000; ms += 5) {
        rmat_dev_poll(&rig.dev);
        rig.fake.now_us += 5000;
    }
    assert_int_equal(next_pkt(&pkt, &len), 0);
    assert_int_equal(rmat_dev_end_stream(&rig.dev), 0);
    assert_int_equal(next_pkt(&pkt, &len), 0);
}

static void test_device_slow_link_counts_dropped_frames(void **state)
{
    struct rmat_status st;
    struct rmat_frame_hdr hdr;
    uint16_t s[ROWS * COLS];
    const uint8_t *pkt;
    size_t len;
    uint32_t scanned = 3000, frames = 0, expect_seq = 0, gaps = 0;
    (void)state;
    send_cmd(RMAT_PKT_START, 1, 100, RMAT_ENC_DENSE, 0);
    /* The link takes nothing while 3000 frames are scanned: the queue
     * fills, then every further frame is dropped whole and counted. */
    rig.fake.refuse_writes = 1;
    for (uint32_t i = 0; i < scanned; i++) {
        if (i > 0)
            rig.fake.now_us += 10000;
        rmat_dev_poll(&rig.dev);
    }
    assert_true(rig.dev.frames_dropped > 0);
    assert_int_equal(rig.dev.frames_sent + rig.dev.frames_dropped, scanned);
    /* The link comes back, slowly: 7 bytes at a time. */
    rig.fake.refuse_writes = 0;
    rig.fake.tx_limit = 7;
    while (rmat_dev_tx_pending(&rig.dev) > 0)
        rmat_dev_poll(&rig.dev);
    /* Every frame that arrives is whole and good; the dropped ones show as
     * one gap in seq, of exactly frames_dropped frames. */
    while (next_pkt(&pkt, &len)) {
        if (pkt[0] != RMAT_PKT_FRAME)
            continue;
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, s, ROWS * COLS), RMAT_OK);
        if (hdr.seq != expect_seq)
            gaps += hdr.seq - expect_seq;
        expect_seq = hdr.seq + 1;
        frames++;
    }
    assert_int_equal(rmat_decoder_dropped(&rig.dec), 0);
    assert_int_equal(frames, rig.dev.frames_sent);
    assert_int_equal(gaps + (scanned - expect_seq), rig.dev.frames_dropped);
    send_cmd(RMAT_PKT_GET_STATUS, 9, 0, 0, 0);
    while (rmat_dev_tx_pending(&rig.dev) > 0)
        rmat_dev_poll(&rig.dev);
    while (next_pkt(&pkt, &len) && pkt[0] != RMAT_PKT_STATUS) {
    }
    assert_int_equal(rmat_wire_parse_status(pkt, len, &st), RMAT_OK);
    assert_int_equal(st.frames_dropped, rig.dev.frames_dropped);
}

static void test_device_test_pattern_sweeps(void **state)
{
    uint16_t s[10 * 2];
    (void)state;
    /* frame seq 8: centre row (8/4) % 10 = 2, band rows 1..3 at 2^11 */
    rmat_dev_test_pattern(s, 10, 2, 12, 8);
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 2; j++)
            assert_int_equal(s[i * 2 + j], (i >= 1 && i <= 3) ? 2048 : 0);
    /* seq 0: centre 0, rows 0..1 only */
    rmat_dev_test_pattern(s, 10, 2, 12, 0);
    assert_int_equal(s[0], 2048);
    assert_int_equal(s[2], 2048);
    assert_int_equal(s[4], 0);
    assert_int_equal(s[19], 0);
}

static void test_device_malformed_command_counted(void **state)
{
    static const uint8_t garbage[] = {0x05, 0x81, 0x01, 0x02, 0x03, 0x00};
    const uint8_t *pkt;
    size_t len;
    struct rmat_status st;
    (void)state;
    rmat_dev_rx(&rig.dev, garbage, sizeof garbage); /* CRC will not match */
    assert_int_equal(next_pkt(&pkt, &len), 0);      /* no answer */
    send_cmd(RMAT_PKT_GET_STATUS, 1, 0, 0, 0);
    expect_ack(RMAT_PKT_GET_STATUS, RMAT_ACK_OK, 1);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_STATUS);
    assert_int_equal(rmat_wire_parse_status(pkt, len, &st), RMAT_OK);
    assert_int_equal(st.rx_errors, 1);
}

static void test_device_sparse_when_smaller(void **state)
{
    const uint8_t *pkt;
    size_t len;
    struct rmat_frame_hdr hdr;
    uint16_t s[ROWS * COLS];
    (void)state;
    /* Every sensel of the fake reads non-zero, so dense is smaller. */
    send_cmd(RMAT_PKT_START, 1, 100, RMAT_ENC_SPARSE, 0);
    rmat_dev_poll(&rig.dev);
    expect_ack(RMAT_PKT_START, RMAT_ACK_OK, 1);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
    assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, s, ROWS * COLS), RMAT_OK);
    assert_int_equal(hdr.encoding, RMAT_ENC_DENSE);
    /* The test pattern loads 2 of 4 rows at seq 0: 6 of 12 sensels; sparse
     * is 2 + 6*4 = 26 sample bytes against dense 24, so still dense; with
     * a taller grid the band is a small share and sparse wins. */
    rig.cfg.info.rows = 40;
    send_cmd(RMAT_PKT_SET_MODE, 2, 0, 0, RMAT_MODE_TEST_PATTERN);
    rig.fake.now_us += 10000;
    rmat_dev_poll(&rig.dev);
    expect_ack(RMAT_PKT_SET_MODE, RMAT_ACK_OK, 2);
    assert_int_equal(next_pkt(&pkt, &len), RMAT_PKT_FRAME);
    {
        static uint16_t big[40 * COLS];
        assert_int_equal(rmat_wire_parse_frame(pkt, len, &hdr, big, 40 * COLS), RMAT_OK);
        assert_int_equal(hdr.encoding, RMAT_ENC_SPARSE);
        assert_int_equal(hdr.rows, 40);
        /* seq 1: centre row 0, band rows 0..1 */
        assert_int_equal(big[0], 2048);
        assert_int_equal(big[COLS], 2048);
        assert_int_equal(big[2 * COLS], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_device_get_info_acks_then_info, setup),
        cmocka_unit_test_setup(test_device_start_streams_on_schedule, setup),
        cmocka_unit_test_setup(test_device_scans_row_then_columns_with_settle, setup),
        cmocka_unit_test_setup(test_device_start_refuses_bad_rate_and_encoding, setup),
        cmocka_unit_test_setup(test_device_start_while_streaming_restarts_seq, setup),
        cmocka_unit_test_setup(test_device_stop_ping_status_mode, setup),
        cmocka_unit_test_setup(test_device_status_once_a_second_while_streaming, setup),
        cmocka_unit_test_setup(test_device_end_stream_sends_status, setup),
        cmocka_unit_test_setup(test_device_slow_link_counts_dropped_frames, setup),
        cmocka_unit_test_setup(test_device_test_pattern_sweeps, setup),
        cmocka_unit_test_setup(test_device_malformed_command_counted, setup),
        cmocka_unit_test_setup(test_device_sparse_when_smaller, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
