/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Playback of a recording (live.h): the live model fed from a file.
 *
 * At open, one pass over the frames keeps each frame's time and CoP, from
 * which the timeline is made with the analysis's own functions
 * (rmat_holds_find() on the CoP; the rolling axis, s, smoothing and
 * rmat_passes_find() for the passes; the seq numbers for the gaps; the
 * recording's events placed on the frames' time axis as events.csv does).
 * A thread then plays: it feeds the model the frames up to the play
 * position and publishes a snapshot publish_hz times a second. A seek
 * backwards starts the model again from the first frame and feeds it up to
 * the position, so the coaching panel shows what it showed then (the hold
 * timer, the passes). A recording still being written (SWMR) is refreshed
 * once a second at its end.
 */
#include "rollmat/live.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rollmat/calib.h"
#include "rollmat/err.h"
#include "rollmat/holds.h"
#include "rollmat/passes.h"
#include "rollmat/reader.h"

#define PUBLISH_HZ 25.0
#define BLOCK      256 /* frames read at a time */
#define REFRESH_S  1.0

struct rmat_playback {
    char *path;
    struct rmat_analysis_params params;
    struct rmat_live_hub *hub;
    const struct rmat_log *log;
    struct rmat_reader *r;
    struct rmat_device_desc dev;
    struct rmat_calib *cal;
    struct rmat_live_model *model;
    size_t n; /* sensels */

    /* the scan: one entry per frame */
    size_t frames, cap;
    double *t_s, *cop_x, *cop_y;
    int64_t *t_host_ns;
    uint32_t *seq;
    uint64_t t0_us;

    /* frames read for feeding */
    uint16_t *block;
    uint32_t *bseq;
    uint64_t *bt;
    uint64_t bfirst;
    size_t bcount;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    int stop, playing;
    double speed, pos_s;
    double seek_to; /* NaN: none pending */
    double published_s;
    size_t fed; /* frames fed to the model */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int grow(struct rmat_playback *p, size_t need)
{
    if (need <= p->cap)
        return 0;
    size_t nc = p->cap ? p->cap : 4096;
    while (nc < need)
        nc *= 2;
    double *t = realloc(p->t_s, nc * sizeof *t);
    if (t)
        p->t_s = t;
    double *x = realloc(p->cop_x, nc * sizeof *x);
    if (x)
        p->cop_x = x;
    double *y = realloc(p->cop_y, nc * sizeof *y);
    if (y)
        p->cop_y = y;
    int64_t *h = realloc(p->t_host_ns, nc * sizeof *h);
    if (h)
        p->t_host_ns = h;
    uint32_t *s = realloc(p->seq, nc * sizeof *s);
    if (s)
        p->seq = s;
    if (!t || !x || !y || !h || !s)
        return -1;
    p->cap = nc;
    return 0;
}

/* Scans frames [from, to) into the per-frame series with a model of its
 * own (the same numbers the playback will show). */
static int scan(struct rmat_playback *p, uint64_t from, uint64_t to, struct rmat_errinfo *ei)
{
    struct rmat_live_model *m = NULL;
    struct rmat_live_numbers v;
    uint16_t *raw = malloc(BLOCK * p->n * sizeof *raw);
    int64_t *host = malloc(BLOCK * sizeof *host);
    uint32_t *seq = malloc(BLOCK * sizeof *seq);
    uint64_t *tus = malloc(BLOCK * sizeof *tus);
    int rc = RMAT_OK;

    if (!raw || !host || !seq || !tus || grow(p, (size_t)to) != 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", p->path);
        goto out;
    }
    rc = rmat_live_model_new(&p->params, NULL, &m, ei);
    if (rc == RMAT_OK)
        rc = rmat_live_model_configure(m, &p->dev, p->cal, ei);
    for (uint64_t f = from; rc == RMAT_OK && f < to; f += BLOCK) {
        const size_t cnt = to - f < BLOCK ? (size_t)(to - f) : BLOCK;
        rc = rmat_reader_read(p->r, f, cnt, raw, seq, tus, host, ei);
        for (size_t k = 0; rc == RMAT_OK && k < cnt; k++) {
            const size_t i = (size_t)f + k;
            if (i == 0)
                p->t0_us = tus[k];
            /* Only the metrics of the frame matter here: the model's time
             * base is its own, so t_s is taken from the recording's t0. */
            rmat_live_model_frame(m, seq[k], tus[k], raw + k * p->n);
            rmat_live_model_numbers(m, &v);
            p->t_s[i] = (double)(int64_t)(tus[k] - p->t0_us) / 1e6;
            p->cop_x[i] = v.m.cop_x_mm;
            p->cop_y[i] = v.m.cop_y_mm;
            p->t_host_ns[i] = host[k];
            p->seq[i] = seq[k];
        }
    }
    if (rc == RMAT_OK)
        p->frames = (size_t)to;
out:
    rmat_live_model_free(m);
    free(raw);
    free(host);
    free(seq);
    free(tus);
    return rc;
}

static void playback_free(struct rmat_playback *p)
{
    rmat_live_model_free(p->model);
    rmat_calib_free(p->cal);
    rmat_reader_close(p->r);
    free(p->t_s);
    free(p->cop_x);
    free(p->cop_y);
    free(p->t_host_ns);
    free(p->seq);
    free(p->block);
    free(p->bseq);
    free(p->bt);
    free(p->path);
    free(p);
}

/* Feeds the model frame p->fed, reading blocks as needed. */
static int feed_one(struct rmat_playback *p)
{
    const uint64_t f = p->fed;
    if (!(f >= p->bfirst && f < p->bfirst + p->bcount)) {
        const size_t cnt = p->frames - f < BLOCK ? (size_t)(p->frames - f) : BLOCK;
        if (rmat_reader_read(p->r, f, cnt, p->block, p->bseq, p->bt, NULL, NULL) != RMAT_OK)
            return -1;
        p->bfirst = f;
        p->bcount = cnt;
    }
    const size_t k = (size_t)(f - p->bfirst);
    rmat_live_model_frame(p->model, p->bseq[k], p->bt[k], p->block + k * p->n);
    p->fed++;
    return 0;
}

static void restart(struct rmat_playback *p)
{
    rmat_live_model_configure(p->model, &p->dev, p->cal, NULL);
    p->fed = 0;
}

static double duration(const struct rmat_playback *p)
{
    return p->frames ? p->t_s[p->frames - 1] : 0.0;
}

static void publish(struct rmat_playback *p, double pos, int playing, double speed,
                    struct rmat_live_text *body, struct rmat_live_text *doc)
{
    const char *name = strrchr(p->path, '/') ? strrchr(p->path, '/') + 1 : p->path;
    doc->len = 0;
    int rc = rmat_live_text_printf(doc, "{\"mode\":\"playback\"");
    if (rmat_live_model_json(p->model, body) == 0 && body->len)
        rc |= rmat_live_text_printf(doc, ",%.*s", (int)body->len, body->s);
    rc |= rmat_live_text_printf(doc,
                                ",\"playback\":{\"t_s\":%.6f,\"duration_s\":%.6f,\"playing\":%s,"
                                "\"speed\":%g,\"frames\":%zu,\"frame\":%zu,\"file\":\"",
                                pos, duration(p), playing ? "true" : "false", speed, p->frames,
                                p->fed ? p->fed - 1 : 0);
    for (const char *c = name; *c; c++)
        rc |= (*c == '"' || *c == '\\')  ? rmat_live_text_printf(doc, "\\%c", *c)
              : (unsigned char)*c < 0x20 ? 0
                                         : rmat_live_text_printf(doc, "%c", *c);
    rc |= rmat_live_text_printf(doc, "\"}}");
    if (rc == 0)
        rmat_live_hub_publish(p->hub, doc->s, doc->len);
}

/* Everything but the wait between snapshots runs under p->mu: the reader
 * (HDF5) is used by this thread and, for the timeline's events, by the
 * HTTP threads, one at a time. */
static void *player(void *arg)
{
    struct rmat_playback *p = arg;
    struct rmat_live_text body = {0}, doc = {0};
    double last = now_s(), next_refresh = last + REFRESH_S;

    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        const double t = now_s();
        const double seek = p->seek_to;
        p->seek_to = NAN;
        if (!isnan(seek))
            p->pos_s = seek;
        else if (p->playing)
            p->pos_s += (t - last) * p->speed;
        last = t;
        if (t >= next_refresh) {
            /* A file still written grows: read its new frames. */
            next_refresh = t + REFRESH_S;
            if (rmat_reader_refresh(p->r, NULL) == RMAT_OK) {
                const uint64_t total = rmat_reader_info(p->r)->frames;
                if (total > p->frames)
                    scan(p, p->frames, total, NULL);
            }
        }
        if (p->pos_s >= duration(p)) {
            p->pos_s = duration(p);
            if (t + 1.0 / PUBLISH_HZ >= next_refresh)
                p->playing = 0; /* the end, and nothing more came */
        }
        const double pos = p->pos_s;
        /* The frame shown is the last at or before pos. */
        if (p->fed > 0 && p->t_s[p->fed - 1] > pos)
            restart(p);
        while (p->fed < p->frames && p->t_s[p->fed] <= pos)
            if (feed_one(p) != 0)
                break;
        if (p->fed == 0 && p->frames > 0)
            feed_one(p);
        publish(p, pos, p->playing, p->speed, &body, &doc);
        p->published_s = pos;
        pthread_cond_broadcast(&p->cv);
        /* Until the next snapshot, or a seek. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(1e9 / PUBLISH_HZ);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!p->stop && isnan(p->seek_to))
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    rmat_live_text_fini(&body);
    rmat_live_text_fini(&doc);
    return NULL;
}

int rmat_playback_open(const char *path, const struct rmat_analysis_params *params,
                       const struct rmat_live_targets *targets, struct rmat_live_hub *hub,
                       const struct rmat_log *log, struct rmat_playback **out,
                       struct rmat_errinfo *ei)
{
    struct rmat_playback *p;
    const struct rmat_recording_info *info;
    int rc;

    *out = NULL;
    p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory");
    }
    if (params)
        p->params = *params;
    else
        rmat_analysis_params_init(&p->params);
    p->hub = hub;
    p->log = log;
    p->speed = 1;
    p->seek_to = NAN;
    rc = rmat_reader_open(path, &p->r, ei);
    if (rc == RMAT_OK)
        rc = rmat_reader_calib(p->r, &p->cal, ei);
    if (rc != RMAT_OK) {
        playback_free(p);
        return rc;
    }
    if (p->params.calibration_path) {
        rmat_calib_free(p->cal);
        p->cal = NULL;
        rc = rmat_calib_load(p->params.calibration_path, &p->cal, ei);
        if (rc != RMAT_OK) {
            playback_free(p);
            return rc;
        }
    }
    info = rmat_reader_info(p->r);
    p->dev = info->dev;
    if (!(p->dev.pitch_x_mm > 0))
        p->dev.pitch_x_mm = 10;
    if (!(p->dev.pitch_y_mm > 0))
        p->dev.pitch_y_mm = 10;
    p->n =
        (size_t)(p->dev.rows > 0 ? p->dev.rows : 1) * (size_t)(p->dev.cols > 0 ? p->dev.cols : 1);
    p->block = malloc(BLOCK * p->n * sizeof *p->block);
    p->bseq = malloc(BLOCK * sizeof *p->bseq);
    p->bt = malloc(BLOCK * sizeof *p->bt);
    if (!p->block || !p->bseq || !p->bt) {
        playback_free(p);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", path);
    }
    rc = rmat_live_model_new(&p->params, targets, &p->model, ei);
    if (rc == RMAT_OK)
        rc = rmat_live_model_configure(p->model, &p->dev, p->cal, ei);
    if (rc == RMAT_OK)
        rc = scan(p, 0, info->frames, ei);
    if (rc != RMAT_OK) {
        if (ei)
            rmat_logf(log, RMAT_LOG_DEBUG, "%s: %s", path, ei->msg);
        playback_free(p);
        return rc;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->published_s = NAN;
    if (pthread_create(&p->thread, NULL, player, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        playback_free(p);
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "cannot start the playback thread");
    }
    p->started = 1;
    *out = p;
    return RMAT_OK;
}

void rmat_playback_close(struct rmat_playback *p)
{
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    playback_free(p);
}

static const char *arg(const char *const *keys, const char *const *values, size_t n,
                       const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return values[i];
    return NULL;
}

static int number(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    *out = strtod(s, &end);
    return *end || !isfinite(*out) ? -1 : 0;
}

int rmat_playback_action(struct rmat_playback *p, const char *name, const char *const *keys,
                         const char *const *values, size_t n, char *reply, size_t cap)
{
    double v;
    pthread_mutex_lock(&p->mu);
    if (strcmp(name, "play") == 0) {
        if (p->pos_s >= duration(p))
            p->seek_to = 0;
        p->playing = 1;
    } else if (strcmp(name, "pause") == 0) {
        p->playing = 0;
    } else if (strcmp(name, "seek") == 0) {
        if (number(arg(keys, values, n, "t"), &v) != 0) {
            pthread_mutex_unlock(&p->mu);
            snprintf(reply, cap, "seek needs t, the time in seconds from the start");
            return RMAT_E_ARG;
        }
        p->seek_to = v < 0 ? 0 : v > duration(p) ? duration(p) : v;
    } else if (strcmp(name, "speed") == 0) {
        if (number(arg(keys, values, n, "x"), &v) != 0 || v < 0.25 || v > 8) {
            pthread_mutex_unlock(&p->mu);
            snprintf(reply, cap, "speed needs x from 0.25 to 8");
            return RMAT_E_ARG;
        }
        p->speed = v;
    } else {
        pthread_mutex_unlock(&p->mu);
        snprintf(reply, cap, "unknown action '%s' (play, pause, seek, speed)", name);
        return RMAT_E_ARG;
    }
    pthread_cond_broadcast(&p->cv);
    snprintf(reply, cap, "ok");
    pthread_mutex_unlock(&p->mu);
    return RMAT_OK;
}

/* The frame time of a host time: between the frames received around it,
 * as events.csv places events. */
static double host_to_t(const struct rmat_playback *p, int64_t ns)
{
    size_t lo = 0, hi = p->frames;
    if (p->frames == 0)
        return 0;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (p->t_host_ns[mid] < ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return p->t_s[0];
    if (lo >= p->frames)
        return p->t_s[p->frames - 1];
    const double span = (double)(p->t_host_ns[lo] - p->t_host_ns[lo - 1]);
    const double f = span > 0 ? (double)(ns - p->t_host_ns[lo - 1]) / span : 0;
    return p->t_s[lo - 1] + f * (p->t_s[lo] - p->t_s[lo - 1]);
}

static void json_text(struct rmat_live_text *t, const char *s)
{
    rmat_live_text_printf(t, "\"");
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rmat_live_text_printf(t, "\\%c", c);
        else if (c >= 0x20)
            rmat_live_text_printf(t, "%c", c);
    }
    rmat_live_text_printf(t, "\"");
}

char *rmat_playback_timeline(struct rmat_playback *p)
{
    struct rmat_live_text t = {0};
    struct rmat_hold *holds = NULL;
    struct rmat_pass *passes = NULL;
    size_t nh = 0, np = 0, n;
    double *s = NULL, *ss = NULL, mx, my, ux, uy;

    pthread_mutex_lock(&p->mu);
    n = p->frames;
    rmat_live_text_printf(&t, "{\"duration_s\":%.6f,\"frames\":%zu", duration(p), n);
    /* The analysis's own steps (analyze.c): holds on the CoP, passes on
     * the smoothed s along the rolling axis. */
    rmat_holds_find(p->t_s, p->cop_x, p->cop_y, n, p->params.hold_radius_mm, p->params.hold_min_s,
                    &holds, &nh);
    s = malloc((n ? n : 1) * sizeof *s);
    ss = malloc((n ? n : 1) * sizeof *ss);
    if (s && ss) {
        rmat_rolling_axis(p->cop_x, p->cop_y, n, &mx, &my, &ux, &uy);
        rmat_s_along(p->cop_x, p->cop_y, n, mx, my, ux, uy, s);
        rmat_smooth_contact(p->t_s, s, n, p->params.smooth_s, ss);
        rmat_passes_find(p->t_s, ss, n, p->params.turn_mm, &passes, &np);
    }
    rmat_live_text_printf(&t, ",\"holds\":[");
    for (size_t k = 0; k < nh; k++)
        rmat_live_text_printf(&t, "%s{\"t_s\":%.3f,\"duration_s\":%.3f}", k ? "," : "",
                              holds[k].t_start_s, holds[k].duration_s);
    rmat_live_text_printf(&t, "],\"passes\":[");
    for (size_t k = 0; k < np; k++)
        rmat_live_text_printf(&t, "%s{\"t_s\":%.3f,\"end_s\":%.3f,\"dir\":%d}", k ? "," : "",
                              passes[k].t_start_s, passes[k].t_end_s, passes[k].direction);
    rmat_live_text_printf(&t, "],\"gaps\":[");
    {
        int first = 1;
        for (size_t k = 1; k < n; k++)
            if (p->seq[k] > p->seq[k - 1] + 1u) {
                rmat_live_text_printf(&t, "%s{\"t_s\":%.3f,\"frames\":%lu}", first ? "" : ",",
                                      p->t_s[k], (unsigned long)(p->seq[k] - p->seq[k - 1] - 1u));
                first = 0;
            }
    }
    rmat_live_text_printf(&t, "],\"events\":[");
    {
        const uint64_t ne = rmat_reader_info(p->r)->events;
        struct rmat_event ev;
        int first = 1;
        for (uint64_t k = 0; k < ne; k++) {
            if (rmat_reader_events(p->r, k, 1, &ev, NULL) != RMAT_OK)
                break;
            if (strcmp(ev.kind, "mark") != 0 && strcmp(ev.kind, "pain") != 0 &&
                strcmp(ev.kind, "note") != 0 && strcmp(ev.kind, "disconnect") != 0 &&
                strcmp(ev.kind, "reconnect") != 0 && strcmp(ev.kind, "gap") != 0)
                continue;
            rmat_live_text_printf(&t, "%s{\"t_s\":%.3f,\"kind\":", first ? "" : ",",
                                  host_to_t(p, ev.t_host_ns));
            json_text(&t, ev.kind);
            if (isfinite(ev.value))
                rmat_live_text_printf(&t, ",\"value\":%g", ev.value);
            rmat_live_text_printf(&t, ",\"text\":");
            json_text(&t, ev.text);
            rmat_live_text_printf(&t, "}");
            first = 0;
        }
    }
    rmat_live_text_printf(&t, "]}");
    pthread_mutex_unlock(&p->mu);
    free(holds);
    free(passes);
    free(s);
    free(ss);
    return t.s;
}

int rmat_playback_wait_at(struct rmat_playback *p, double t_s, int timeout_ms)
{
    struct timespec ts;
    int rc = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!(fabs(p->published_s - t_s) < 1e-9 && isnan(p->seek_to)) && rc == 0)
        rc = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    pthread_mutex_unlock(&p->mu);
    return rc == 0 ? 0 : -1;
}
