/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A one-shot recording in the foreground. See record.h. */
#include "rollmat/recorder.h"
#include "rollmat/dates.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rollmat/calib.h"
#include "rollmat/capture.h"
#include "rollmat/devsession.h"
#include "rollmat/recording.h"
#include "rollmat/transport.h"

#define CMD_TIMEOUT_MS 2000
#define PUMP_WAIT_MS   100
/* Four round trips a second fit a 200 ppm drift to a few ppm in a minute. */
#define PING_EVERY_MS 250
/* A streaming mat that says nothing for this long is asked whether it is
 * still there (GET_STATUS, PROBE_TRIES of PROBE_WAIT_MS). */
#define SILENCE_MS    2000
#define PROBE_WAIT_MS 1000
#define PROBE_TRIES   2

struct recorder {
    const struct rmat_record_config *cfg;
    struct rmat_capture *cap;
    int armed; /* START acknowledged: frames from now on are the recording's */
    struct rmat_errinfo *ei;
    uint64_t first_t_us, last_t_us;
    uint64_t frames;
    int write_failed;
    int mat_stopped; /* a STATUS said streaming 0 after START's ACK */
};

void rmat_record_config_init(struct rmat_record_config *c)
{
    memset(c, 0, sizeof *c);
    c->deflate = RMAT_REC_DEFLATE_DEFAULT;
    rmat_session_meta_init(&c->meta);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_frame(void *ctx, const struct rmat_frame_hdr *hdr, const uint16_t *samples,
                    const uint8_t *pkt, size_t pkt_len, int64_t t_host_ns)
{
    struct recorder *r = ctx;
    int rc;

    /* Before START's ACK only stale frames can come (a mat left streaming,
     * or a first START whose ACK was lost and which is being repeated). */
    if (!r->cap || !r->armed)
        return 0;
    rc = rmat_capture_frame(r->cap, hdr, samples, pkt, pkt_len, t_host_ns, r->ei);
    if (rc != RMAT_OK) {
        r->write_failed = 1;
        return rc;
    }
    if (r->frames == 0)
        r->first_t_us = hdr->t_us;
    r->last_t_us = hdr->t_us;
    r->frames++;
    return 0;
}

static void on_gap(void *ctx, uint32_t expected, uint32_t got, int64_t t_host_ns)
{
    struct recorder *r = ctx;
    char text[96];

    snprintf(text, sizeof text, "seq %u..%u lost on the link", expected, got - 1);
    rmat_logf(r->cfg->log, RMAT_LOG_WARN, "%s", text);
    if (r->cap)
        rmat_capture_event(r->cap, t_host_ns, "gap", (double)(got - expected), text, NULL);
}

static void on_status(void *ctx, const struct rmat_status *st, int64_t t_host_ns)
{
    struct recorder *r = ctx;

    (void)t_host_ns;
    /* Before START's ACK a STATUS speaks of the stream before ours. */
    if (r->armed && !st->streaming)
        r->mat_stopped = 1;
}

static void on_clock(void *ctx, uint64_t t_device_us, int64_t t_host_ns, int64_t rtt_ns)
{
    struct recorder *r = ctx;
    char text[48];

    /* Each round trip is kept, so a reader can refit the clock its own way:
     * value = device time (us, exact in a double for 285 years), time = the
     * host time at the middle of the round trip. */
    snprintf(text, sizeof text, "rtt_us=%lld", (long long)(rtt_ns / 1000));
    if (r->cap)
        rmat_capture_event(r->cap, t_host_ns, "clock_sync", (double)t_device_us, text, NULL);
}

/* The mat went quiet: is it there, and does it still stream? Returns 0 to
 * go on waiting (it says it streams), else the end it is. */
static enum rmat_record_end probe(struct rmat_devsess *s, struct recorder *r)
{
    struct rmat_status st;
    struct rmat_errinfo pei;
    const int rc = rmat_devsess_get_status(s, &st, PROBE_WAIT_MS, PROBE_TRIES, &pei);

    if (rc == RMAT_OK)
        return st.streaming && !r->mat_stopped ? RMAT_RECORD_END_NONE : RMAT_RECORD_END_MAT_STOPPED;
    if (rc == RMAT_E_CLOSED)
        return RMAT_RECORD_END_LINK_CLOSED;
    return RMAT_RECORD_END_SILENT;
}

static void end_text(const struct rmat_record_config *cfg, enum rmat_record_end end, double seconds,
                     char *buf, size_t cap)
{
    const char *what = "";
    int n;

    switch (end) {
    case RMAT_RECORD_END_DURATION:
        what = "the duration has passed";
        break;
    case RMAT_RECORD_END_STOP:
        what = "stopped (Ctrl-C)";
        break;
    case RMAT_RECORD_END_MAT_STOPPED:
        what = "the mat stopped streaming (its STATUS says streaming=0)";
        break;
    case RMAT_RECORD_END_LINK_CLOSED:
        what = "the mat closed the link (switched off or unplugged?)";
        break;
    case RMAT_RECORD_END_SILENT:
        what = "the mat sent nothing for 2 s and did not answer GET_STATUS (switched off, or "
               "the link stalled?)";
        break;
    case RMAT_RECORD_END_NONE:
    default:
        what = "recording failed";
        break;
    }
    n = snprintf(buf, cap, "%s", what);
    if (n > 0 && (size_t)n < cap && cfg->duration_s > 0 && end != RMAT_RECORD_END_DURATION &&
        end != RMAT_RECORD_END_NONE)
        snprintf(buf + n, cap - (size_t)n, " after %.1f s of the %.1f s asked", seconds,
                 cfg->duration_s);
}

int rmat_record_run(const struct rmat_record_config *cfg, struct rmat_record_result *res,
                    struct rmat_errinfo *ei)
{
    struct recorder r = {.cfg = cfg, .ei = ei};
    struct rmat_devsess_handler h = {.ctx = &r,
                                     .on_frame = on_frame,
                                     .on_gap = on_gap,
                                     .on_status = on_status,
                                     .on_clock = on_clock};
    struct rmat_transport *t = NULL;
    struct rmat_devsess *s = NULL;
    struct rmat_calib *calib = NULL;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta = cfg->meta;
    struct rmat_cmd cmd;
    struct rmat_errinfo close_ei;
    enum rmat_record_end end = RMAT_RECORD_END_NONE;
    int64_t t_start_ms = 0, t_end_ms, last_data_ms, last_ping_ms = 0;
    int rc, streaming = 0;

    memset(res, 0, sizeof *res);
    rc = rmat_transport_open(cfg->device, cfg->baud, &t, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = rmat_devsess_new(t, &h, cfg->log, &s, ei);
    if (rc != RMAT_OK)
        goto out;
    rc = rmat_devsess_handshake(s, &res->info, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_logf(cfg->log, RMAT_LOG_INFO, "mat '%s' serial %u firmware %s: %ux%u, %u-bit, %u Hz",
              res->info.model, res->info.serial, res->info.fw_version, res->info.rows,
              res->info.cols, res->info.adc_bits, res->info.rate_hz);

    /* The mat's calibration goes into the recording: found by its serial
     * number, checked against its grid before anything is written. */
    rc = rmat_calib_find_for_mat(cfg->calib_file, cfg->calib_dir, res->info.serial, res->info.rows,
                                 res->info.cols, &calib, res->calibration, sizeof res->calibration,
                                 ei);
    if (rc != RMAT_OK)
        goto out;
    res->calibrated = calib != NULL;
    rmat_logf(cfg->log, calib ? RMAT_LOG_INFO : RMAT_LOG_WARN, "%s", res->calibration);

    memset(&cmd, 0, sizeof cmd);
    cmd.type = RMAT_PKT_SET_MODE;
    cmd.mode = cfg->test_pattern ? RMAT_MODE_TEST_PATTERN : RMAT_MODE_SENSORS;
    rc = rmat_devsess_command_tries(s, &cmd, CMD_TIMEOUT_MS, 3, ei);
    if (rc != RMAT_OK)
        goto out;

    memset(&cmd, 0, sizeof cmd);
    cmd.type = RMAT_PKT_START;
    cmd.rate_hz = cfg->rate_hz ? cfg->rate_hz : res->info.rate_hz;
    cmd.encoding = (!cfg->dense_only && (res->info.encodings & (1u << RMAT_ENC_SPARSE)))
                       ? RMAT_ENC_SPARSE
                       : RMAT_ENC_DENSE;

    /* The file exists before START, so every frame has somewhere to go. */
    rmat_device_desc_from_info(&dev, &res->info, cmd.rate_hz);
    if (!meta.started_utc[0])
        rmat_utc_now(meta.started_utc, sizeof meta.started_utc);
    rc = rmat_capture_open(cfg->out_path, &dev, &meta, calib, cfg->deflate, &r.cap, ei);
    if (rc != RMAT_OK)
        goto out;
    snprintf(res->recording_id, sizeof res->recording_id, "%s", rmat_capture_recording_id(r.cap));
    rmat_capture_event(r.cap, rmat_host_time_ns(), "start", NAN, "recording started", NULL);

    rmat_devsess_expect_restart(s);
    rc = rmat_devsess_command_tries(s, &cmd, CMD_TIMEOUT_MS, 3, ei);
    if (rc != RMAT_OK)
        goto out;
    r.armed = 1;
    streaming = 1;

    t_start_ms = mono_ms();
    t_end_ms = t_start_ms + (int64_t)(cfg->duration_s * 1000.0);
    last_data_ms = t_start_ms;
    for (;;) {
        int64_t now;
        if (cfg->stop && *cfg->stop) {
            end = RMAT_RECORD_END_STOP;
            break;
        }
        if (cfg->duration_s > 0 && mono_ms() >= t_end_ms) {
            end = RMAT_RECORD_END_DURATION;
            break;
        }
        rc = rmat_devsess_pump(s, PUMP_WAIT_MS, ei);
        if (rc == RMAT_E_CLOSED && !r.write_failed) {
            end = RMAT_RECORD_END_LINK_CLOSED;
            break;
        }
        if (rc < 0)
            goto out;
        if (r.mat_stopped) {
            end = RMAT_RECORD_END_MAT_STOPPED;
            break;
        }
        now = mono_ms();
        if (rc > 0) {
            last_data_ms = now;
        } else if (now - last_data_ms > SILENCE_MS) {
            end = probe(s, &r);
            if (end != RMAT_RECORD_END_NONE)
                break;
            /* It says it streams: a stall it does not know of. Wait on. */
            last_data_ms = mono_ms();
        }
        if (now - last_ping_ms >= PING_EVERY_MS) {
            rc = rmat_devsess_ping(s, ei);
            if (rc == RMAT_E_CLOSED) {
                end = RMAT_RECORD_END_LINK_CLOSED;
                break;
            }
            if (rc != RMAT_OK)
                goto out;
            last_ping_ms = now;
        }
        rc = rmat_capture_tick(r.cap, ei);
        if (rc != RMAT_OK)
            goto out;
    }
    end_text(cfg, end, (double)(mono_ms() - t_start_ms) / 1000.0, res->end_text,
             sizeof res->end_text);
    if (end == RMAT_RECORD_END_LINK_CLOSED || end == RMAT_RECORD_END_SILENT) {
        /* Nobody to send STOP to. */
        streaming = 0;
        rc = cfg->duration_s > 0
                 ? rmat_errinfo_set(ei,
                                    end == RMAT_RECORD_END_SILENT ? RMAT_E_TIMEOUT : RMAT_E_CLOSED,
                                    0, "%s: %s; the recording keeps every frame received",
                                    cfg->device, res->end_text)
                 : RMAT_OK;
        goto out;
    }

    /* STOP: frames sent before its ACK are still ours to keep (a mat that
     * stopped by itself answers it too). */
    memset(&cmd, 0, sizeof cmd);
    cmd.type = RMAT_PKT_STOP;
    rc = rmat_devsess_command_tries(s, &cmd, CMD_TIMEOUT_MS, 3, ei);
    streaming = 0;
    if (rc != RMAT_OK)
        goto out;
    rc = RMAT_OK;

out:
    res->end = rc == RMAT_OK ? end : RMAT_RECORD_END_NONE;
    if (s && streaming && !r.write_failed) {
        /* Leaving on an error: tell a still-listening mat to stop. */
        struct rmat_cmd stop = {.type = RMAT_PKT_STOP};
        rmat_devsess_command_tries(s, &stop, 500, 3, NULL);
    }
    if (s && rmat_devsess_clock_fit(s, &res->clock) == RMAT_OK && r.cap) {
        char text[128];
        rmat_clock_fit_text(&res->clock, text, sizeof text);
        rmat_capture_event(r.cap, rmat_host_time_ns(), "clock_fit", res->clock.drift_ppm, text,
                           NULL);
    }
    if (r.cap) {
        /* The stop event says why; the writers cut text to its field. */
        const int by_host = end == RMAT_RECORD_END_DURATION || end == RMAT_RECORD_END_STOP;
        const char *why = rc != RMAT_OK      ? ((ei && ei->msg[0]) ? ei->msg : "recording failed")
                          : by_host          ? "recording stopped"
                          : res->end_text[0] ? res->end_text
                                             : "recording stopped";
        rmat_capture_event(r.cap, rmat_host_time_ns(), "stop", NAN, why, NULL);
        res->frames = rmat_capture_frames(r.cap);
        if (rmat_capture_close(r.cap, &close_ei) != RMAT_OK && rc == RMAT_OK)
            rc = rmat_errinfo_set(ei, close_ei.code, close_ei.sys_errno, "%s", close_ei.msg);
    }
    if (s) {
        const struct rmat_devsess_stats *st = rmat_devsess_stats(s);
        res->frames_lost = st->frames_lost;
        res->link_drops = rmat_decoder_dropped(&st->decoder);
        res->device_dropped = st->have_status ? st->last_status.frames_dropped : 0;
    }
    if (r.frames > 1)
        res->duration_s = (double)(r.last_t_us - r.first_t_us) * 1e-6;
    rmat_calib_free(calib);
    rmat_devsess_free(s);
    rmat_transport_close(t);
    return rc;
}
