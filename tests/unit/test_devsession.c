/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the device session (acq/devsession.c): handshake, command
 * retries, the pump, loss accounting and the clock fit.
 *
 * The session talks to a mat in the same process (tests/support/fake_mat.c):
 * the real device core (firmware/core/device.c) behind a link the test
 * controls. The session runs on the fake's virtual clock through the
 * handler's clock_ns hook, so its timeouts and seconds of streaming take
 * virtual time and no real time, and nothing sleeps.
 *
 * The truth comes from outside the session: the INFO the mat was configured
 * with, the samples it scans (fake_mat_sample(), or the core's test
 * pattern), its clock model (drift, boot time, link latency: the true
 * offset and drift follow from them) and the link's own count of the
 * packets it dropped or damaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_mat.h"
#include "rollmat/device.h"
#include "rollmat/devsession.h"

#define ROWS       16
#define COLS       12 /* not square: a transposed grid shows */
#define ADC_BITS   12
#define LATENCY_US 400
#define MAX_FRAMES 2048
#define MAX_GAPS   64
#define MAX_CLOCKS 256
#define CMD_MS     200 /* command timeout: 500 round trips of this link */
#define MS         1000000LL

/* --- the rig: a fake mat, a session, and what the handler saw --------------- */

enum pattern { PATTERN_SENSORS, PATTERN_TEST };

struct rig {
    struct fake_mat *m;
    struct rmat_devsess *s;
    struct fake_mat_config cfg;
    enum pattern pattern;
    uint32_t nframes;
    uint32_t seq[MAX_FRAMES];
    uint64_t t_us[MAX_FRAMES];
    int64_t t_host_ns[MAX_FRAMES];
    uint32_t wrong_samples; /* frames handed over whose samples differ from the mat's */
    uint16_t expect[ROWS * COLS];
    uint32_t ngaps;
    uint32_t gap_expected[MAX_GAPS], gap_got[MAX_GAPS];
    uint32_t nclock;
    int64_t rtt_ns[MAX_CLOCKS];
    uint32_t nstatus;
    struct rmat_status last_status;
};

static void expected_samples(const struct rig *r, uint32_t seq, uint16_t *out)
{
    if (r->pattern == PATTERN_TEST) {
        rmat_dev_test_pattern(out, ROWS, COLS, ADC_BITS, seq);
        return;
    }
    for (unsigned i = 0; i < ROWS; i++)
        for (unsigned j = 0; j < COLS; j++)
            out[i * COLS + j] = fake_mat_sample(seq, i, j);
}

static int on_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples,
                    const uint8_t *pkt, size_t pkt_len, int64_t t_host_ns)
{
    struct rig *r = ctx;

    (void)pkt;
    (void)pkt_len;
    if (r->nframes == MAX_FRAMES)
        return RMAT_E_SPACE;
    expected_samples(r, hdr->seq, r->expect);
    if (hdr->rows != ROWS || hdr->cols != COLS || memcmp(samples, r->expect, sizeof r->expect) != 0)
        r->wrong_samples++;
    r->seq[r->nframes] = hdr->seq;
    r->t_us[r->nframes] = hdr->t_us;
    r->t_host_ns[r->nframes] = t_host_ns;
    r->nframes++;
    return 0;
}

static void on_gap(void *ctx, uint32_t expected, uint32_t got, int64_t t_host_ns)
{
    struct rig *r = ctx;

    (void)t_host_ns;
    if (r->ngaps < MAX_GAPS) {
        r->gap_expected[r->ngaps] = expected;
        r->gap_got[r->ngaps] = got;
    }
    r->ngaps++;
}

static void on_clock(void *ctx, uint64_t t_device_us, int64_t t_host_ns, int64_t rtt_ns)
{
    struct rig *r = ctx;

    (void)t_device_us;
    (void)t_host_ns;
    if (r->nclock < MAX_CLOCKS)
        r->rtt_ns[r->nclock] = rtt_ns;
    r->nclock++;
}

static void on_status(void *ctx, const struct rmat_status *st, int64_t t_host_ns)
{
    struct rig *r = ctx;

    (void)t_host_ns;
    r->last_status = *st;
    r->nstatus++;
}

static int64_t rig_clock_ns(void *ctx, int monotonic)
{
    return fake_mat_clock_ns(((struct rig *)ctx)->m, monotonic);
}

static void default_config(struct fake_mat_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->info.rows = ROWS;
    cfg->info.cols = COLS;
    cfg->info.adc_bits = ADC_BITS;
    cfg->info.encodings = 3;
    cfg->info.pitch_x_um = 12700;
    cfg->info.pitch_y_um = 10160;
    cfg->info.max_rate_hz = 500;
    cfg->info.rate_hz = 100;
    cfg->info.serial = 0xC0FFEE01u;
    snprintf(cfg->info.fw_version, sizeof cfg->info.fw_version, "fw-2.4.1-fake");
    snprintf(cfg->info.model, sizeof cfg->info.model, "fake mat 16x12");
    cfg->boot_us = 2500000;
    cfg->latency_us = LATENCY_US;
}

/* Large (frame log): one per test, on the heap. */
static struct rig *rig_new(const struct fake_mat_config *cfg)
{
    struct rig *r = calloc(1, sizeof *r);
    struct rmat_devsess_handler h = {.on_frame = on_frame,
                                     .on_gap = on_gap,
                                     .on_status = on_status,
                                     .on_clock = on_clock,
                                     .clock_ns = rig_clock_ns};
    struct rmat_errinfo ei = {0};

    assert_non_null(r);
    r->cfg = *cfg;
    h.ctx = r;
    assert_int_equal(fake_mat_new(cfg, &r->m), RMAT_OK);
    assert_int_equal(rmat_devsess_new(fake_mat_transport(r->m), &h, NULL, &r->s, &ei), RMAT_OK);
    return r;
}

static void rig_free(struct rig *r)
{
    rmat_devsess_free(r->s);
    fake_mat_free(r->m);
    free(r);
}

static int64_t vnow(const struct rig *r)
{
    return fake_mat_clock_ns(r->m, 1);
}

/* Pumps until the virtual clock reaches end_ns (monotonic). */
static int pump_until(struct rig *r, int64_t end_ns, struct rmat_errinfo *ei)
{
    int64_t now;

    while ((now = vnow(r)) < end_ns) {
        int rc = rmat_devsess_pump(r->s, (int)((end_ns - now + MS - 1) / MS), ei);
        if (rc < 0)
            return rc;
    }
    return RMAT_OK;
}

static void handshake_ok(struct rig *r, struct rmat_info *info)
{
    struct rmat_errinfo ei = {0};
    int rc = rmat_devsess_handshake(r->s, info, &ei);

    if (rc != RMAT_OK)
        fail_msg("handshake: %s", ei.msg);
}

static void command_ok(struct rig *r, const struct rmat_cmd *cmd)
{
    struct rmat_errinfo ei = {0};
    int rc = rmat_devsess_command_tries(r->s, cmd, CMD_MS, 3, &ei);

    if (rc != RMAT_OK)
        fail_msg("%s: %s", rmat_pkt_name(cmd->type), ei.msg);
}

/* Handshake, SET_MODE for the rig's pattern, START at rate_hz (dense). */
static void start_streaming(struct rig *r, uint16_t rate_hz)
{
    struct rmat_info info;
    struct rmat_cmd mode = {.type = RMAT_PKT_SET_MODE,
                            .mode = r->pattern == PATTERN_TEST ? RMAT_MODE_TEST_PATTERN
                                                               : RMAT_MODE_SENSORS};
    struct rmat_cmd start = {
        .type = RMAT_PKT_START, .rate_hz = rate_hz, .encoding = RMAT_ENC_DENSE};

    handshake_ok(r, &info);
    command_ok(r, &mode);
    rmat_devsess_expect_restart(r->s);
    command_ok(r, &start);
}

/* The frames of lost_seq (ascending) form this many runs of consecutive
 * seqs: each run is one gap for the receiver. */
static uint32_t count_runs(const uint32_t *lost, uint32_t n)
{
    uint32_t runs = 0;

    for (uint32_t i = 0; i < n; i++)
        if (i == 0 || lost[i] != lost[i - 1] + 1)
            runs++;
    return runs;
}

static int seq_was_lost(const struct fake_mat_stats *st, uint32_t seq)
{
    for (uint32_t i = 0; i < st->nlost; i++)
        if (st->lost_seq[i] == seq)
            return 1;
    return 0;
}

/* --- handshake ------------------------------------------------------------ */

static void test_devsession_handshake_fills_info(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_info info;
    int64_t t0;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    t0 = vnow(r);
    memset(&info, 0xAA, sizeof info);
    handshake_ok(r, &info);
    assert_int_equal(info.rows, ROWS);
    assert_int_equal(info.cols, COLS);
    assert_int_equal(info.adc_bits, ADC_BITS);
    assert_int_equal(info.encodings, 3);
    assert_int_equal(info.pitch_x_um, 12700);
    assert_int_equal(info.pitch_y_um, 10160);
    assert_int_equal(info.max_rate_hz, 500);
    assert_int_equal(info.rate_hz, 100);
    assert_int_equal(info.serial, 0xC0FFEE01u);
    assert_string_equal(info.fw_version, "fw-2.4.1-fake");
    assert_string_equal(info.model, "fake mat 16x12");
    /* One GET_INFO, answered in one round trip of the link. */
    assert_int_equal(fake_mat_stats(r->m)->commands_by_type[RMAT_PKT_GET_INFO - 0x80], 1);
    assert_int_equal(vnow(r) - t0, 2 * LATENCY_US * 1000LL);
    rig_free(r);
}

static void test_devsession_mute_mat_times_out(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_info info;
    struct rmat_errinfo ei = {0};
    int64_t t0, elapsed;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    fake_mat_mute(r->m, 1);
    t0 = vnow(r);
    assert_int_equal(rmat_devsess_handshake(r->s, &info, &ei), RMAT_E_TIMEOUT);
    assert_int_equal(ei.code, RMAT_E_TIMEOUT);
    assert_non_null(strstr(ei.msg, "no INFO after 3 tries"));
    assert_non_null(strstr(ei.msg, "fake-mat")); /* names the link */
    assert_int_equal(fake_mat_stats(r->m)->commands_by_type[RMAT_PKT_GET_INFO - 0x80], 3);
    /* 3 tries of 1 s each, on the virtual clock; the session's deadlines
     * are whole ms, so each try may run up to 1 ms long. */
    elapsed = vnow(r) - t0;
    print_message("mute mat: RMAT_E_TIMEOUT after %.6f virtual s\n", (double)elapsed / 1e9);
    assert_true(elapsed >= 3000 * MS);
    assert_true(elapsed <= 3003 * MS);
    rig_free(r);
}

static void test_devsession_handshake_retries_lost_get_info(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_info info;
    int64_t t0, elapsed;
    const struct fake_mat_stats *st;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    fake_mat_drop_commands(r->m, 1);
    t0 = vnow(r);
    handshake_ok(r, &info);
    st = fake_mat_stats(r->m);
    assert_int_equal(info.serial, 0xC0FFEE01u);
    assert_int_equal(st->commands_by_type[RMAT_PKT_GET_INFO - 0x80], 2);
    assert_int_equal(st->commands_dropped, 1);
    /* The first try waits out its second, the second is one round trip. */
    elapsed = vnow(r) - t0;
    assert_true(elapsed >= 1000 * MS + 2 * LATENCY_US * 1000LL);
    assert_true(elapsed <= 1001 * MS + 2 * LATENCY_US * 1000LL);
    rig_free(r);
}

/* --- commands --------------------------------------------------------------- */

static void test_devsession_command_retry_and_refusal(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_info info;
    struct rmat_errinfo ei = {0};
    struct rmat_cmd start = {.type = RMAT_PKT_START, .rate_hz = 100};
    struct rmat_cmd too_fast = {.type = RMAT_PKT_START, .rate_hz = 501};
    int64_t t0;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    handshake_ok(r, &info);

    /* A START lost on the link: one try times out, the second starts. */
    fake_mat_drop_commands(r->m, 1);
    t0 = vnow(r);
    assert_int_equal(rmat_devsess_command_tries(r->s, &start, CMD_MS, 3, &ei), RMAT_OK);
    assert_true(vnow(r) - t0 >= CMD_MS * MS);
    assert_int_equal(fake_mat_stats(r->m)->commands_by_type[RMAT_PKT_START - 0x80], 2);
    assert_int_equal(fake_mat_device(r->m)->streaming, 1);

    /* Above INFO's max_rate_hz: refused at once, not retried. */
    assert_int_equal(rmat_devsess_command_tries(r->s, &too_fast, CMD_MS, 3, &ei), RMAT_E_ARG);
    assert_non_null(strstr(ei.msg, "501 Hz"));
    assert_int_equal(fake_mat_stats(r->m)->commands_by_type[RMAT_PKT_START - 0x80], 3);
    assert_int_equal(fake_mat_device(r->m)->rate_hz, 100);
    rig_free(r);
}

/* --- streaming and loss ------------------------------------------------------- */

static void test_devsession_streams_frames_in_order(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_errinfo ei = {0};
    const struct rmat_devsess_stats *st;

    (void)state;
    default_config(&cfg);
    cfg.drift_ppm = 0; /* device us are host us: frame times are exact */
    r = rig_new(&cfg);
    start_streaming(r, 100);
    assert_int_equal(pump_until(r, vnow(r) + 2000 * MS, &ei), RMAT_OK);

    print_message("100 Hz for 2 virtual s: %u frames\n", r->nframes);
    assert_in_range(r->nframes, 199, 201);
    assert_int_equal(r->wrong_samples, 0);
    for (uint32_t k = 0; k < r->nframes; k++) {
        int64_t sent_ns = fake_mat_real_ns_at(r->m, r->t_us[k]);
        assert_int_equal(r->seq[k], k);
        assert_int_equal(r->t_us[k], r->t_us[0] + 10000ull * k);
        /* Received one link latency after the device's clock read t_us
         * (to within the device's whole microsecond). */
        assert_in_range(r->t_host_ns[k] - sent_ns, LATENCY_US * 1000LL, LATENCY_US * 1000LL + 1000);
    }
    st = rmat_devsess_stats(r->s);
    assert_int_equal(st->frames, r->nframes);
    assert_int_equal(st->frames_lost, 0);
    assert_int_equal(st->gaps, 0);
    assert_int_equal(rmat_decoder_dropped(&st->decoder), 0);
    assert_int_equal(fake_mat_stats(r->m)->frames_read, r->nframes);
    rig_free(r);
}

static void test_devsession_counts_dropped_frames(void **state)
{
    static const uint32_t drop[] = {5, 6, 7, 50, 120};
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_errinfo ei = {0};
    const struct rmat_devsess_stats *st;
    const struct fake_mat_stats *fs;
    uint32_t runs, k = 0;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        assert_int_equal(fake_mat_drop_frame(r->m, drop[i]), RMAT_OK);
    start_streaming(r, 100);
    assert_int_equal(pump_until(r, vnow(r) + 2000 * MS, &ei), RMAT_OK);

    st = rmat_devsess_stats(r->s);
    fs = fake_mat_stats(r->m);
    runs = count_runs(fs->lost_seq, fs->nlost);
    print_message("link dropped %u frames in %u runs; session: frames_lost %llu, gaps %u\n",
                  fs->frames_dropped, runs, (unsigned long long)st->frames_lost, st->gaps);
    assert_int_equal(fs->frames_dropped, 5);
    assert_int_equal(st->frames_lost, fs->frames_dropped);
    assert_int_equal(st->gaps, runs);
    assert_int_equal(r->ngaps, runs);
    /* Each gap as the link made it: from the first lost seq to the next
     * one that arrived. */
    for (uint32_t i = 0; i < fs->nlost; i++) {
        if (i > 0 && fs->lost_seq[i] == fs->lost_seq[i - 1] + 1)
            continue;
        uint32_t end = fs->lost_seq[i];
        for (uint32_t j = i + 1; j < fs->nlost && fs->lost_seq[j] == end + 1; j++)
            end++;
        assert_int_equal(r->gap_expected[k], fs->lost_seq[i]);
        assert_int_equal(r->gap_got[k], end + 1);
        k++;
    }
    assert_int_equal(st->frames, r->nframes);
    assert_int_equal(r->nframes, fs->frames_read);
    assert_int_equal(r->nframes, fs->frames_sent - fs->frames_dropped);
    assert_int_equal(r->wrong_samples, 0);
    for (uint32_t f = 0; f < r->nframes; f++) {
        assert_false(seq_was_lost(fs, r->seq[f]));
        if (f > 0)
            assert_true(r->seq[f] > r->seq[f - 1]);
    }
    rig_free(r);
}

static void test_devsession_drops_damaged_packets(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_errinfo ei = {0};
    const struct rmat_devsess_stats *st;
    const struct fake_mat_stats *fs;
    uint32_t drops = 0;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    r->pattern = PATTERN_TEST;
    start_streaming(r, 100);
    /* About 9% of the 16x12 dense frames (3300 bits) get at least one
     * flipped bit. Commands are not damaged: the errors start after START
     * was acknowledged, so the stream is not restarted under the test. */
    fake_mat_bit_errors(r->m, 3e-5, 0x5EEDF00Dull);
    assert_int_equal(pump_until(r, vnow(r) + 5000 * MS, &ei), RMAT_OK);
    /* A clean stretch at the end, so every lost frame is followed by a good
     * one and shows as a gap. */
    fake_mat_bit_errors(r->m, 0, 0);
    assert_int_equal(pump_until(r, vnow(r) + 200 * MS, &ei), RMAT_OK);

    st = rmat_devsess_stats(r->s);
    fs = fake_mat_stats(r->m);
    for (int i = 0; i < RMAT_DROP_COUNT; i++) {
        drops += st->decoder.drops[i];
        if (st->decoder.drops[i])
            print_message("  dropped as %s: %u\n", rmat_drop_name((enum rmat_drop)i),
                          st->decoder.drops[i]);
    }
    print_message("%u bits flipped in %u packets (%u FRAMEs of %u); session dropped %u, "
                  "frames_lost %llu in %u gaps\n",
                  fs->bits_flipped, fs->packets_damaged, fs->frames_damaged, fs->frames_sent, drops,
                  (unsigned long long)st->frames_lost, st->gaps);
    assert_true(fs->frames_damaged >= 20); /* the seed gives enough to matter */
    assert_int_equal(drops, fs->packets_damaged);
    assert_true(st->decoder.drops[RMAT_DROP_CRC] > 0);
    assert_int_equal(r->wrong_samples, 0);
    assert_int_equal(st->wrong_grid, 0);
    assert_int_equal(r->nframes, fs->frames_sent - fs->frames_damaged);
    assert_int_equal(r->nframes, fs->frames_read);
    assert_int_equal(fs->nlost, fs->frames_damaged);
    assert_true(fs->lost_seq[fs->nlost - 1] < r->seq[r->nframes - 1]);
    assert_int_equal(st->frames_lost, fs->frames_damaged);
    assert_int_equal(st->gaps, count_runs(fs->lost_seq, fs->nlost));
    rig_free(r);
}

static void test_devsession_closed_link_ends_pump(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_errinfo ei = {0};
    struct rmat_cmd stop = {.type = RMAT_PKT_STOP};
    uint32_t before;
    int rc = 0;
    int64_t end;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    start_streaming(r, 100);
    assert_int_equal(pump_until(r, vnow(r) + 300 * MS, &ei), RMAT_OK);
    before = r->nframes;
    assert_true(before >= 29);
    /* 1000 more bytes: two whole 16x12 frames (408 bytes on the wire) and
     * a torn third. */
    fake_mat_close_after(r->m, fake_mat_stats(r->m)->bytes_read + 1000);
    end = vnow(r) + 1000 * MS;
    while (rc >= 0 && vnow(r) < end)
        rc = rmat_devsess_pump(r->s, 100, &ei);
    assert_int_equal(rc, RMAT_E_CLOSED);
    assert_int_equal(ei.code, RMAT_E_CLOSED);
    assert_int_equal(r->nframes, fake_mat_stats(r->m)->frames_read);
    assert_int_equal(r->nframes, before + 2);
    /* The session does not hide a dead link behind a timeout. */
    assert_int_equal(rmat_devsess_command(r->s, &stop, CMD_MS, &ei), RMAT_E_CLOSED);
    rig_free(r);
}

/* --- is the mat still there? ----------------------------------------------------- */

/* GET_STATUS tells a mat that streams from one that stopped on its own
 * (whose STATUS of streaming 0 also reaches the handler at once), and says
 * when nobody answers or the link is gone. */
static void test_devsession_get_status_and_stream_end(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_status st;
    struct rmat_errinfo ei = {0};
    uint32_t frames;
    int64_t t0;

    (void)state;
    default_config(&cfg);
    r = rig_new(&cfg);
    start_streaming(r, 100);
    assert_int_equal(pump_until(r, vnow(r) + 500 * MS, &ei), RMAT_OK);
    memset(&st, 0, sizeof st);
    assert_int_equal(rmat_devsess_get_status(r->s, &st, CMD_MS, 2, &ei), RMAT_OK);
    assert_int_equal(st.streaming, 1);
    assert_true(st.frames_sent >= 50);
    assert_int_equal(fake_mat_stats(r->m)->commands_by_type[RMAT_PKT_GET_STATUS - 0x80], 1);

    /* the mat stops by itself: the handler hears it with no question asked */
    frames = r->nframes;
    r->nstatus = 0;
    fake_mat_end_stream(r->m);
    assert_int_equal(pump_until(r, vnow(r) + 100 * MS, &ei), RMAT_OK);
    assert_int_equal(r->nstatus, 1);
    assert_int_equal(r->last_status.streaming, 0);
    assert_true(r->nframes <= frames + 1); /* at most one in flight */
    assert_int_equal(rmat_devsess_get_status(r->s, &st, CMD_MS, 2, &ei), RMAT_OK);
    assert_int_equal(st.streaming, 0);

    /* nobody answers: two tries of CMD_MS, then a timeout */
    fake_mat_mute(r->m, 1);
    t0 = vnow(r);
    assert_int_equal(rmat_devsess_get_status(r->s, &st, CMD_MS, 2, &ei), RMAT_E_TIMEOUT);
    assert_non_null(strstr(ei.msg, "GET_STATUS"));
    assert_true(vnow(r) - t0 >= 2 * CMD_MS * MS);
    assert_true(vnow(r) - t0 <= 2 * (CMD_MS + 2) * MS);

    /* the link is gone */
    fake_mat_mute(r->m, 0);
    fake_mat_close_after(r->m, fake_mat_stats(r->m)->bytes_read);
    assert_int_equal(rmat_devsess_get_status(r->s, &st, CMD_MS, 2, &ei), RMAT_E_CLOSED);
    rig_free(r);
}

/* --- the clock fit -------------------------------------------------------------- */

/* What the clock fit says to people: a drift in ppm within 1000 ppm; beyond
 * it how many times as fast the mat's clock runs, and for the virtual mat
 * the speed-up it was probably given. */
static void test_devsession_clock_fit_describe(void **state)
{
    struct rmat_clock_fit fit = {.n = 40, .offset_ns = 1763724367000000000LL, .rms_us = 35.2};
    char buf[256];

    (void)state;
    fit.drift_ppm = 12.34;
    assert_int_equal(rmat_clock_fit_describe(&fit, "fake mat 16x12", buf, sizeof buf), 1);
    assert_string_equal(buf, "drift +12.3 ppm from 40 round trips (rms 35 us)");
    fit.drift_ppm = -1000.0;
    assert_int_equal(rmat_clock_fit_describe(&fit, RMAT_SIM_MODEL, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "drift -1000.0 ppm"));

    /* --speed 7: 6,000,001.7 ppm is no drift */
    fit.drift_ppm = 6000001.7;
    assert_int_equal(rmat_clock_fit_describe(&fit, RMAT_SIM_MODEL, buf, sizeof buf), 0);
    assert_string_equal(buf, "the mat's clock runs 7.00 times as fast as this computer's: a "
                             "virtual mat sped up (--speed 7)?");
    assert_null(strstr(buf, "ppm"));
    fit.drift_ppm = 1500000.0;
    assert_int_equal(rmat_clock_fit_describe(&fit, RMAT_SIM_MODEL, buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "2.50 times as fast"));
    assert_non_null(strstr(buf, "(--speed 2.5)?"));
    /* another mat that fast: its firmware */
    assert_int_equal(rmat_clock_fit_describe(&fit, "rollmat mat 32", buf, sizeof buf), 0);
    assert_string_equal(buf, "the mat's clock runs 2.50 times as fast as this computer's: not a "
                             "drift, so not applied: check the mat's firmware");
    fit.drift_ppm = -500000.0;
    assert_int_equal(rmat_clock_fit_describe(&fit, "rollmat mat 32", buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "0.50 times as fast"));

    /* the event's text, what the analysis parses */
    fit.drift_ppm = 6000001.7;
    rmat_clock_fit_text(&fit, buf, sizeof buf);
    assert_string_equal(buf,
                        "offset_ns=1763724367000000000 drift_ppm=6000001.700 n=40 rms_us=35.2");
}

static void test_devsession_clock_fit_tracks_drift(void **state)
{
    struct fake_mat_config cfg;
    struct rig *r;
    struct rmat_info info;
    struct rmat_errinfo ei = {0};
    struct rmat_clock_fit fit;
    int64_t t0, min_rtt = INT64_MAX, max_rtt = 0;
    double offset_err_ns;

    (void)state;
    default_config(&cfg);
    cfg.drift_ppm = 250.0;
    r = rig_new(&cfg);
    handshake_ok(r, &info);
    /* The 50th PONG comes back 20 ms late: its midpoint is 10 ms off the
     * truth, which would move a 100-point fit's offset by about 100 us. */
    fake_mat_delay_pong(r->m, 50, 20000);
    t0 = vnow(r);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(pump_until(r, t0 + i * 100 * MS, &ei), RMAT_OK);
        assert_int_equal(rmat_devsess_ping(r->s, &ei), RMAT_OK);
    }
    assert_int_equal(pump_until(r, t0 + 10000 * MS, &ei), RMAT_OK);

    assert_int_equal(r->nclock, 100);
    for (uint32_t i = 0; i < r->nclock; i++) {
        if (r->rtt_ns[i] < min_rtt)
            min_rtt = r->rtt_ns[i];
        if (r->rtt_ns[i] > max_rtt)
            max_rtt = r->rtt_ns[i];
    }
    assert_int_equal(min_rtt, 2 * LATENCY_US * 1000LL);
    assert_int_equal(max_rtt, 2 * LATENCY_US * 1000LL + 20 * MS);

    assert_int_equal(rmat_devsess_clock_fit(r->s, &fit), RMAT_OK);
    offset_err_ns = (double)fit.offset_ns - fake_mat_true_offset_ns(r->m);
    print_message("fit of %u PONGs: drift %.4f ppm (true 250), offset off by %.0f ns, "
                  "rms %.3f us\n",
                  fit.n, fit.drift_ppm, offset_err_ns, fit.rms_us);
    assert_int_equal(fit.n, 99); /* the delayed one is left out */
    assert_true(fabs(fit.drift_ppm - 250.0) < 1.0);
    /* The device reads its clock in whole us, rounding down, so each PONG's
     * t_us is 0 to 1 us early and the fitted line sits about 0.5 us late in
     * host time; the link is symmetric, so taking the middle of the round
     * trip costs nothing; and the fit extrapolates to device time 0 over
     * only the 2.5 s the mat was on before, where a drift error of even
     * 0.1 ppm is 0.25 us. So 2 us covers the truth with room, and the
     * delayed PONG (~100 us) would not fit in it. */
    assert_true(fabs(offset_err_ns) <= 2000.0);
    assert_true(fit.rms_us < 1.0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devsession_handshake_fills_info),
        cmocka_unit_test(test_devsession_mute_mat_times_out),
        cmocka_unit_test(test_devsession_handshake_retries_lost_get_info),
        cmocka_unit_test(test_devsession_command_retry_and_refusal),
        cmocka_unit_test(test_devsession_streams_frames_in_order),
        cmocka_unit_test(test_devsession_counts_dropped_frames),
        cmocka_unit_test(test_devsession_drops_damaged_packets),
        cmocka_unit_test(test_devsession_closed_link_ends_pump),
        cmocka_unit_test(test_devsession_clock_fit_tracks_drift),
        cmocka_unit_test(test_devsession_get_status_and_stream_end),
        cmocka_unit_test(test_devsession_clock_fit_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
