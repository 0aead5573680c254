/* A one-shot recording in the foreground. See record.h. */
#include "rollmat/recorder.h"
#include "rollmat/dates.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rollmat/capture.h"
#include "rollmat/devsession.h"
#include "rollmat/transport.h"

#define CMD_TIMEOUT_MS 2000
#define PUMP_WAIT_MS   100
/* Four round trips a second fit a 200 ppm drift to a few ppm in a minute. */
#define PING_EVERY_MS 250
/* A streaming mat that says nothing for this long is treated as gone. */
#define SILENCE_MS 2000

struct recorder {
    const struct rmat_record_config *cfg;
    struct rmat_capture *cap;
    int armed; /* START acknowledged: frames from now on are the recording's */
    struct rmat_errinfo *ei;
    uint64_t first_t_us, last_t_us;
    uint64_t frames;
    int write_failed;
};

void rmat_record_config_init(struct rmat_record_config *c)
{
    memset(c, 0, sizeof *c);
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

static int stop_wanted(const struct rmat_record_config *cfg, int64_t t_end_ms)
{
    if (cfg->stop && *cfg->stop)
        return 1;
    return cfg->duration_s > 0 && mono_ms() >= t_end_ms;
}

int rmat_record_run(const struct rmat_record_config *cfg, struct rmat_record_result *res,
                    struct rmat_errinfo *ei)
{
    struct recorder r = {.cfg = cfg, .ei = ei};
    struct rmat_devsess_handler h = {
        .ctx = &r, .on_frame = on_frame, .on_gap = on_gap, .on_clock = on_clock};
    struct rmat_transport *t = NULL;
    struct rmat_devsess *s = NULL;
    struct rmat_device_desc dev;
    struct rmat_session_meta meta = cfg->meta;
    struct rmat_cmd cmd;
    struct rmat_errinfo close_ei;
    int64_t t_end_ms, last_data_ms, last_ping_ms = 0;
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
    rc = rmat_capture_open(cfg->out_path, &dev, &meta, NULL, &r.cap, ei);
    if (rc != RMAT_OK)
        goto out;
    rmat_capture_event(r.cap, rmat_host_time_ns(), "start", NAN, "recording started", NULL);

    rmat_devsess_expect_restart(s);
    rc = rmat_devsess_command_tries(s, &cmd, CMD_TIMEOUT_MS, 3, ei);
    if (rc != RMAT_OK)
        goto out;
    r.armed = 1;
    streaming = 1;

    t_end_ms = mono_ms() + (int64_t)(cfg->duration_s * 1000.0);
    last_data_ms = mono_ms();
    while (!stop_wanted(cfg, t_end_ms)) {
        int64_t now;
        rc = rmat_devsess_pump(s, PUMP_WAIT_MS, ei);
        if (rc < 0)
            goto out;
        now = mono_ms();
        if (rc > 0)
            last_data_ms = now;
        else if (now - last_data_ms > SILENCE_MS) {
            rc = rmat_errinfo_set(ei, RMAT_E_TIMEOUT, 0,
                                  "%s: no frames for %d ms while streaming (link stalled or "
                                  "cable pulled); the recording keeps every frame received",
                                  cfg->device, SILENCE_MS);
            goto out;
        }
        if (now - last_ping_ms >= PING_EVERY_MS) {
            rc = rmat_devsess_ping(s, ei);
            if (rc != RMAT_OK)
                goto out;
            last_ping_ms = now;
        }
        rc = rmat_capture_tick(r.cap, ei);
        if (rc != RMAT_OK)
            goto out;
    }

    /* STOP: frames sent before its ACK are still ours to keep. */
    memset(&cmd, 0, sizeof cmd);
    cmd.type = RMAT_PKT_STOP;
    rc = rmat_devsess_command_tries(s, &cmd, CMD_TIMEOUT_MS, 3, ei);
    streaming = 0;
    if (rc != RMAT_OK)
        goto out;
    rc = RMAT_OK;

out:
    if (s && streaming && !r.write_failed) {
        /* Leaving on an error: tell a still-listening mat to stop. */
        struct rmat_cmd stop = {.type = RMAT_PKT_STOP};
        rmat_devsess_command_tries(s, &stop, 500, 3, NULL);
    }
    if (s && rmat_devsess_clock_fit(s, &res->clock) == RMAT_OK && r.cap) {
        char text[128];
        snprintf(text, sizeof text, "offset_ns=%lld drift_ppm=%.3f n=%u rms_us=%.1f",
                 (long long)res->clock.offset_ns, res->clock.drift_ppm, res->clock.n,
                 res->clock.rms_us);
        rmat_capture_event(r.cap, rmat_host_time_ns(), "clock_fit", res->clock.drift_ppm, text,
                           NULL);
    }
    if (r.cap) {
        /* The stop event says why; the writers cut text to its field. */
        const char *why = rc == RMAT_OK        ? "recording stopped"
                          : (ei && ei->msg[0]) ? ei->msg
                                               : "recording failed";
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
    rmat_devsess_free(s);
    rmat_transport_close(t);
    return rc;
}
