/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host side of one device link. See devsession.h. */
#include "rollmat/devsession.h"
#include "rollmat/device.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HANDSHAKE_TRIES   3
#define HANDSHAKE_WAIT_MS 1000
#define WRITE_TIMEOUT_MS  1000
/* Round trips kept for the clock fit: 4096 at one a second is over an hour;
 * when full, every other one of the kept ones is dropped, so the fit keeps
 * spanning the whole recording. */
#define CLOCK_MAX 4096

struct clock_sample {
    uint64_t t_device_us;
    int64_t t_host_ns;
    int64_t rtt_ns;
};

struct rmat_devsess {
    struct rmat_transport *t;
    struct rmat_devsess_handler h;
    struct rmat_log log;
    struct rmat_devsess_stats st;
    uint8_t rxbuf[RMAT_WIRE_MAX_PACKET];
    uint8_t readbuf[65536];    /* one read takes several 64x64 frames at 1000 Hz */
    size_t read_len, read_pos; /* bytes of readbuf not yet fed to the decoder */
    uint8_t pkt[64];
    uint8_t wire[RMAT_COBS_MAX_ENCODED(64) + 1];
    uint16_t samples[RMAT_WIRE_MAX_SENSELS];
    uint32_t next_token;
    uint32_t expect_seq;
    int have_seq;
    /* what the pump found for a waiting command */
    uint32_t want_token;
    int got_ack;
    struct rmat_ack ack;
    int got_info;
    int got_status; /* a STATUS came since the last GET_STATUS was sent */
    struct rmat_info info;
    int have_grid;
    /* clock sync */
    uint32_t ping_token;
    int64_t ping_sent_ns;
    uint32_t nclock;
    struct clock_sample clock[CLOCK_MAX];
};

int64_t rmat_host_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The host's clocks as the session sees them: the handler's (virtual time
 * in tests) or the system's. Nothing below reads a clock any other way. */
static int64_t host_ns(const struct rmat_devsess *s)
{
    return s->h.clock_ns ? s->h.clock_ns(s->h.ctx, 0) : rmat_host_time_ns();
}

static int64_t mono_ms(const struct rmat_devsess *s)
{
    struct timespec ts;

    if (s->h.clock_ns)
        return s->h.clock_ns(s->h.ctx, 1) / 1000000;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rmat_devsess_new(struct rmat_transport *t, const struct rmat_devsess_handler *h,
                     const struct rmat_log *log, struct rmat_devsess **out, struct rmat_errinfo *ei)
{
    struct rmat_devsess *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    s->t = t;
    if (h)
        s->h = *h;
    if (log)
        s->log = *log;
    /* Tokens need only differ between outstanding commands; start from
     * the clock so a restarted host does not reuse the last run's. */
    s->next_token = (uint32_t)mono_ms(s);
    rmat_decoder_init(&s->st.decoder, s->rxbuf, sizeof s->rxbuf, RMAT_WIRE_TO_HOST);
    *out = s;
    return RMAT_OK;
}

void rmat_devsess_free(struct rmat_devsess *s)
{
    free(s);
}

const struct rmat_devsess_stats *rmat_devsess_stats(const struct rmat_devsess *s)
{
    return &s->st;
}

void rmat_devsess_expect_restart(struct rmat_devsess *s)
{
    s->have_seq = 0;
}

static int handle_frame(struct rmat_devsess *s, const uint8_t *pkt, size_t len, int64_t t_ns)
{
    struct rmat_frame_hdr hdr;

    /* The decoder has checked it (CRC, lengths, sparse indices). */
    if (rmat_wire_parse_frame_checked(pkt, len, &hdr, s->samples, RMAT_WIRE_MAX_SENSELS) !=
        RMAT_OK) {
        s->st.decoder.drops[RMAT_DROP_MALFORMED]++;
        return 0;
    }
    if (s->have_grid && (hdr.rows != s->info.rows || hdr.cols != s->info.cols)) {
        s->st.wrong_grid++;
        return 0;
    }
    if (s->have_seq && hdr.seq != s->expect_seq) {
        /* A seq below the expected one is a restart we were not told of
         * (START from elsewhere, a device reset): no loss to count. */
        if (hdr.seq > s->expect_seq) {
            s->st.frames_lost += hdr.seq - s->expect_seq;
            s->st.gaps++;
            if (s->h.on_gap)
                s->h.on_gap(s->h.ctx, s->expect_seq, hdr.seq, t_ns);
        }
    }
    s->have_seq = 1;
    s->expect_seq = hdr.seq + 1;
    s->st.frames++;
    if (s->h.on_frame) {
        int rc = s->h.on_frame(s->h.ctx, &hdr, s->samples, pkt, len, t_ns);
        if (rc < 0)
            return rc;
    }
    return 1;
}

static int dispatch(struct rmat_devsess *s, const uint8_t *pkt, size_t len, int64_t t_ns)
{
    switch (pkt[0]) {
    case RMAT_PKT_FRAME:
        return handle_frame(s, pkt, len, t_ns);
    case RMAT_PKT_ACK: {
        struct rmat_ack ack;
        if (rmat_wire_parse_ack(pkt, len, &ack) == RMAT_OK && ack.token == s->want_token) {
            s->ack = ack;
            s->got_ack = 1;
        }
        return 0;
    }
    case RMAT_PKT_INFO:
        if (rmat_wire_parse_info(pkt, len, &s->info) == RMAT_OK)
            s->got_info = 1;
        return 0;
    case RMAT_PKT_STATUS: {
        struct rmat_status st;
        if (rmat_wire_parse_status(pkt, len, &st) == RMAT_OK) {
            s->st.last_status = st;
            s->st.have_status = 1;
            s->got_status = 1;
            if (s->h.on_status)
                s->h.on_status(s->h.ctx, &st, t_ns);
        }
        return 0;
    }
    case RMAT_PKT_LOG: {
        struct rmat_logmsg m;
        if (rmat_wire_parse_log(pkt, len, &m) == RMAT_OK) {
            if (s->h.on_log)
                s->h.on_log(s->h.ctx, &m);
            else
                rmat_logf(&s->log,
                          m.level <= RMAT_LOG_DEBUG ? (enum rmat_log_level)m.level : RMAT_LOG_DEBUG,
                          "device: %s", m.text);
        }
        return 0;
    }
    case RMAT_PKT_PONG: {
        struct rmat_pong pong;
        if (rmat_wire_parse_pong(pkt, len, &pong) == RMAT_OK && s->ping_token &&
            pong.token == s->ping_token) {
            /* t_ns is when the read returned; the device read its clock
             * somewhere in the round trip: take the middle. */
            struct clock_sample c = {pong.t_us, s->ping_sent_ns + (t_ns - s->ping_sent_ns) / 2,
                                     t_ns - s->ping_sent_ns};
            s->ping_token = 0;
            if (s->nclock == CLOCK_MAX) {
                for (uint32_t i = 0; i < CLOCK_MAX / 2; i++)
                    s->clock[i] = s->clock[2 * i];
                s->nclock = CLOCK_MAX / 2;
            }
            s->clock[s->nclock++] = c;
            if (s->h.on_clock)
                s->h.on_clock(s->h.ctx, c.t_device_us, c.t_host_ns, c.rtt_ns);
        }
        return 0;
    }
    default:
        return 0;
    }
}

int rmat_devsess_pump(struct rmat_devsess *s, int timeout_ms, struct rmat_errinfo *ei)
{
    int frames = 0;
    int64_t t_ns;

    if (s->read_pos >= s->read_len) {
        int n = rmat_transport_read(s->t, s->readbuf, sizeof s->readbuf, timeout_ms, ei);
        if (n < 0)
            return n;
        s->read_len = (size_t)n;
        s->read_pos = 0;
    }
    /* Every packet that this read completed was received now. */
    t_ns = host_ns(s);
    while (s->read_pos < s->read_len) {
        const uint8_t *pkt;
        size_t pkt_len, used = 0;
        int got = rmat_decoder_feed(&s->st.decoder, s->readbuf + s->read_pos,
                                    s->read_len - s->read_pos, &used, &pkt, &pkt_len);
        s->read_pos += used;
        if (got == 1) {
            int rc = dispatch(s, pkt, pkt_len, t_ns);
            if (rc < 0)
                return rc;
            frames += rc;
            /* Hand control back as soon as a waited-for answer is in, so
             * the caller sees it before the rest of the buffer. */
            if (s->got_ack && s->want_token)
                break;
        }
    }
    return frames;
}

static int send_cmd(struct rmat_devsess *s, struct rmat_cmd *cmd, struct rmat_errinfo *ei)
{
    int n;

    cmd->token = ++s->next_token;
    if (cmd->token == 0)
        cmd->token = ++s->next_token;
    n = rmat_wire_build_cmd(s->pkt, sizeof s->pkt, cmd);
    if (n < 0)
        return rmat_errinfo_set(ei, n, 0, "cannot build command 0x%02x: %s", cmd->type,
                                rmat_strerror(n));
    n = rmat_wire_encode(s->pkt, (size_t)n, s->wire, sizeof s->wire);
    if (n < 0)
        return rmat_errinfo_set(ei, n, 0, "cannot encode command: %s", rmat_strerror(n));
    return rmat_transport_write(s->t, s->wire, (size_t)n, WRITE_TIMEOUT_MS, ei);
}

static int ack_result(const struct rmat_devsess *s, const struct rmat_cmd *cmd,
                      struct rmat_errinfo *ei)
{
    const char *name = rmat_pkt_name(cmd->type);

    switch (s->ack.status) {
    case RMAT_ACK_OK:
        return RMAT_OK;
    case RMAT_ACK_BAD_ARG:
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "the mat refused %s: bad argument (rate %u Hz above its "
                                "maximum?)",
                                name, cmd->rate_hz);
    case RMAT_ACK_UNSUPPORTED:
        return rmat_errinfo_set(ei, RMAT_E_UNSUPPORTED, 0,
                                "the mat does not support %s as asked (encoding %u?)", name,
                                cmd->encoding);
    case RMAT_ACK_BUSY:
        return rmat_errinfo_set(ei, RMAT_E_BUSY, 0, "the mat is busy and refused %s", name);
    default:
        return rmat_errinfo_set(ei, RMAT_E_PROTO, 0, "the mat answered %s with unknown status %u",
                                name, s->ack.status);
    }
}

int rmat_devsess_command(struct rmat_devsess *s, const struct rmat_cmd *cmd_in, int timeout_ms,
                         struct rmat_errinfo *ei)
{
    struct rmat_cmd cmd = *cmd_in;
    const int64_t deadline = mono_ms(s) + timeout_ms;
    int rc = send_cmd(s, &cmd, ei);

    if (rc != RMAT_OK)
        return rc;
    s->want_token = cmd.token;
    s->got_ack = 0;
    while (!s->got_ack) {
        int64_t left = deadline - mono_ms(s);
        if (left <= 0) {
            s->want_token = 0;
            return rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0,
                                    "%s: no answer to %s within %d ms (is it a rollmat mat, "
                                    "powered, at the right baud rate?)",
                                    rmat_transport_name(s->t), rmat_pkt_name(cmd.type), timeout_ms);
        }
        rc = rmat_devsess_pump(s, (int)left, ei);
        if (rc < 0) {
            s->want_token = 0;
            return rc;
        }
    }
    s->want_token = 0;
    return ack_result(s, &cmd, ei);
}

int rmat_devsess_command_tries(struct rmat_devsess *s, const struct rmat_cmd *cmd, int timeout_ms,
                               int tries, struct rmat_errinfo *ei)
{
    int rc = RMAT_E_TIMEOUT;

    for (int i = 0; i < tries && rc == RMAT_E_TIMEOUT; i++)
        rc = rmat_devsess_command(s, cmd, timeout_ms, ei);
    return rc;
}

int rmat_devsess_ping(struct rmat_devsess *s, struct rmat_errinfo *ei)
{
    struct rmat_cmd cmd = {.type = RMAT_PKT_PING};
    int rc;

    s->ping_sent_ns = host_ns(s);
    rc = send_cmd(s, &cmd, ei);
    s->ping_token = rc == RMAT_OK ? cmd.token : 0;
    return rc;
}

int rmat_devsess_clock_fit(const struct rmat_devsess *s, struct rmat_clock_fit *fit)
{
    int64_t min_rtt = INT64_MAX;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0, a, b, ss = 0;
    uint64_t x0;
    int64_t y0;

    memset(fit, 0, sizeof *fit);
    if (s->nclock < 3)
        return RMAT_E_ARG;
    for (uint32_t i = 0; i < s->nclock; i++)
        if (s->clock[i].rtt_ns < min_rtt)
            min_rtt = s->clock[i].rtt_ns;
    /* Work relative to the first sample, and fit the residual of host time
     * after the nominal 1000 ns per device us: the numbers stay small enough
     * for doubles to keep nanoseconds. x in us, y in ns. */
    x0 = s->clock[0].t_device_us;
    y0 = s->clock[0].t_host_ns;
    for (uint32_t i = 0; i < s->nclock; i++) {
        const struct clock_sample *c = &s->clock[i];
        double x, y;
        if (c->rtt_ns > 2 * min_rtt + 200000) /* a delayed answer: skip */
            continue;
        x = (double)(int64_t)(c->t_device_us - x0);
        y = (double)(c->t_host_ns - y0) - 1000.0 * x;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        n++;
    }
    if (n < 3 || n * sxx - sx * sx <= 0)
        return RMAT_E_ARG;
    b = (n * sxy - sx * sy) / (n * sxx - sx * sx); /* ns per us beyond 1000 */
    a = (sy - b * sx) / n;
    for (uint32_t i = 0; i < s->nclock; i++) {
        const struct clock_sample *c = &s->clock[i];
        double x, r;
        if (c->rtt_ns > 2 * min_rtt + 200000)
            continue;
        x = (double)(int64_t)(c->t_device_us - x0);
        r = (double)(c->t_host_ns - y0) - 1000.0 * x - (a + b * x);
        ss += r * r;
    }
    fit->n = (uint32_t)n;
    /* host ns per device us is 1000 + b; the device's rate against the
     * host's is the inverse */
    fit->drift_ppm = (1000.0 / (1000.0 + b) - 1.0) * 1e6;
    fit->offset_ns = y0 + (int64_t)llround(a - (double)x0 * (1000.0 + b));
    fit->rms_us = sqrt(ss / n) / 1000.0;
    return RMAT_OK;
}

int rmat_devsess_get_status(struct rmat_devsess *s, struct rmat_status *st, int timeout_ms,
                            int tries, struct rmat_errinfo *ei)
{
    const struct rmat_cmd cmd = {.type = RMAT_PKT_GET_STATUS};
    int rc = RMAT_E_TIMEOUT;

    for (int i = 0; i < tries; i++) {
        int64_t deadline;
        s->got_status = 0;
        rc = rmat_devsess_command(s, &cmd, timeout_ms, ei);
        if (rc == RMAT_E_TIMEOUT)
            continue;
        if (rc != RMAT_OK)
            return rc;
        /* STATUS follows its ACK. */
        deadline = mono_ms(s) + timeout_ms;
        while (!s->got_status && mono_ms(s) < deadline) {
            rc = rmat_devsess_pump(s, (int)(deadline - mono_ms(s)), ei);
            if (rc < 0)
                return rc;
        }
        if (s->got_status) {
            *st = s->st.last_status;
            return RMAT_OK;
        }
        rc = RMAT_E_TIMEOUT;
    }
    return rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0, "%s: no STATUS after %d tries of GET_STATUS",
                            rmat_transport_name(s->t), tries);
}

void rmat_clock_fit_text(const struct rmat_clock_fit *fit, char *buf, size_t cap)
{
    snprintf(buf, cap, "offset_ns=%lld drift_ppm=%.3f n=%u rms_us=%.1f", (long long)fit->offset_ns,
             fit->drift_ppm, fit->n, fit->rms_us);
}

int rmat_clock_fit_describe(const struct rmat_clock_fit *fit, const char *model, char *buf,
                            size_t cap)
{
    const double ratio = 1.0 + fit->drift_ppm * 1e-6;
    int n;

    if (fabs(fit->drift_ppm) <= RMAT_CLOCK_MAX_DRIFT_PPM) {
        snprintf(buf, cap, "drift %+.1f ppm from %u round trips (rms %.0f us)", fit->drift_ppm,
                 fit->n, fit->rms_us);
        return 1;
    }
    /* Not a crystal's error: say what it is instead of a number of ppm. */
    if (!(ratio > 0)) {
        n = snprintf(buf, cap, "the mat's clock does not advance with this computer's: ");
    } else {
        n = snprintf(buf, cap,
                     "the mat's clock runs %.2f times as fast as this computer's: ", ratio);
    }
    if (n < 0 || (size_t)n >= cap)
        return 0;
    if (model && strcmp(model, RMAT_SIM_MODEL) == 0 && ratio > 0)
        snprintf(buf + n, cap - (size_t)n, "a virtual mat sped up (--speed %g)?",
                 round(ratio * 100.0) / 100.0);
    else
        snprintf(buf + n, cap - (size_t)n, "not a drift, so not applied: check the mat's firmware");
    return 0;
}

int rmat_devsess_handshake(struct rmat_devsess *s, struct rmat_info *info, struct rmat_errinfo *ei)
{
    const struct rmat_cmd cmd = {.type = RMAT_PKT_GET_INFO};
    int rc = RMAT_E_TIMEOUT;

    for (int i = 0; i < HANDSHAKE_TRIES; i++) {
        int64_t deadline;
        s->got_info = 0;
        rc = rmat_devsess_command(s, &cmd, HANDSHAKE_WAIT_MS, ei);
        if (rc == RMAT_E_TIMEOUT)
            continue;
        if (rc != RMAT_OK)
            return rc;
        /* INFO follows its ACK. */
        deadline = mono_ms(s) + HANDSHAKE_WAIT_MS;
        while (!s->got_info && mono_ms(s) < deadline) {
            rc = rmat_devsess_pump(s, (int)(deadline - mono_ms(s)), ei);
            if (rc < 0)
                return rc;
        }
        if (s->got_info)
            break;
        rc = RMAT_E_TIMEOUT;
    }
    if (!s->got_info)
        return rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0,
                                "%s: no INFO after %d tries of GET_INFO: is a rollmat mat "
                                "there, powered, and (serial) at the right baud rate?",
                                rmat_transport_name(s->t), HANDSHAKE_TRIES);
    if (s->info.rows == 0 || s->info.cols == 0 || s->info.adc_bits == 0 || s->info.adc_bits > 16)
        return rmat_errinfo_set(
            ei, RMAT_E_PROTO, 0, "%s: INFO describes an impossible grid (%ux%u, %u bits)",
            rmat_transport_name(s->t), s->info.rows, s->info.cols, s->info.adc_bits);
    s->have_grid = 1;
    *info = s->info;
    return RMAT_OK;
}
