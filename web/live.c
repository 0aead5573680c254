/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live source (live.h): rollmatd's frames to the page, decoupled.
 *
 * The acquisition thread calls rmat_live_on_frame() for every frame: a copy
 * into a ring of slots under a mutex held for that copy only, then a
 * condition signal. Nothing it does depends on the worker or the clients:
 * when the ring is full the oldest frame is overwritten (counted as
 * dropped), never waited for. The worker takes the frames out one at a time
 * (copying each out under the same short lock), runs the model, and every
 * 1/publish_hz s writes a snapshot to the hub; twice a second it asks the
 * daemon for `status` over the control socket (the same request `rollmat
 * status` makes) for the link state.
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
#include "rollmat/daemon.h"
#include "rollmat/err.h"
#include "rollmat/wire.h"

#define CTL_TIMEOUT_MS   2000
#define STATUS_PERIOD_S  0.5
#define RING_MIN_FRAMES  16
#define STATUS_REPLY_MAX RMAT_CTL_LINE_MAX

struct slot_hdr {
    uint32_t seq;
    uint64_t t_us;
};

struct rmat_live {
    struct rmat_live_config cfg;
    struct rmat_analysis_params params;
    struct rmat_live_targets targets;
    struct rmat_live_hub *hub;
    char *ctl_socket;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;

    /* under mu: the ring and the mat */
    uint64_t gen; /* +1 at every on_connect */
    struct rmat_device_desc dev;
    struct rmat_calib *calib; /* a copy, owned; NULL: none */
    size_t n;                 /* sensels of a frame */
    struct slot_hdr *hdrs;
    uint16_t *frames;
    size_t cap, head, count;
    struct rmat_live_stats stats;

    /* the worker's own */
    struct rmat_live_model *model;
    uint64_t model_gen;
    uint16_t *work;
    size_t work_n;
    char status[STATUS_REPLY_MAX];
    char recording_file[512];
    int ctl_ok;
    int was_connected;   /* the last status said connected=1 */
    uint64_t reconnects; /* connected=0 then 1 again, as status saw it */
};

void rmat_live_config_init(struct rmat_live_config *c)
{
    memset(c, 0, sizeof *c);
    c->publish_hz = 25;
    c->ring_bytes = (size_t)4 << 20;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rmat_calib *calib_copy(const struct rmat_calib *c)
{
    struct rmat_calib *d;
    if (!c)
        return NULL;
    d = malloc(sizeof *d);
    if (!d)
        return NULL;
    *d = *c;
    d->gains = NULL;
    if (c->gains) {
        const size_t n = (size_t)c->gain_rows * (size_t)c->gain_cols;
        d->gains = malloc(n * sizeof *d->gains);
        if (!d->gains) {
            free(d);
            return NULL;
        }
        memcpy(d->gains, c->gains, n * sizeof *d->gains);
    }
    return d;
}

/* The value of key in a status reply ("ok key=value key="quoted value"
 * ..."), unquoted, into out; 0, or -1 if absent. */
static int status_get(const char *reply, const char *key, char *out, size_t cap)
{
    const size_t kl = strlen(key);
    const char *p = reply;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == reply || p[-1] == ' ') && p[kl] == '=') {
            size_t n = 0;
            p += kl + 1;
            if (*p == '"') {
                for (p++; *p && *p != '"' && n + 1 < cap; p++) {
                    if (*p == '\\' && p[1])
                        p++;
                    out[n++] = *p;
                }
            } else {
                for (; *p && *p != ' ' && n + 1 < cap; p++)
                    out[n++] = *p;
            }
            out[n] = 0;
            return 0;
        }
        p += kl;
    }
    if (cap)
        out[0] = 0;
    return -1;
}

static int json_str(struct rmat_live_text *t, const char *key, const char *s)
{
    int rc = rmat_live_text_printf(t, ",\"%s\":\"", key);
    for (; *s && rc == 0; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = rmat_live_text_printf(t, "\\%c", c);
        else if (c < 0x20)
            rc = rmat_live_text_printf(t, "\\u%04x", c);
        else
            rc = rmat_live_text_printf(t, "%c", c);
    }
    return rc | rmat_live_text_printf(t, "\"");
}

static void poll_status(struct rmat_live *l)
{
    char rec[8], file[512];
    if (!l->ctl_socket) {
        l->ctl_ok = 0;
        return;
    }
    l->ctl_ok = rmat_ctl_request(l->ctl_socket, "status", l->status, sizeof l->status,
                                 CTL_TIMEOUT_MS, NULL) == RMAT_OK &&
                strncmp(l->status, "ok", 2) == 0;
    if (!l->ctl_ok)
        return;
    /* The mat's comings and goings, as twice-a-second status sees them. */
    status_get(l->status, "connected", rec, sizeof rec);
    if (strcmp(rec, "1") == 0) {
        if (l->was_connected == 0)
            l->reconnects++;
        l->was_connected = 1;
    } else if (l->was_connected == 1) {
        l->was_connected = 0;
    }
    /* A new recording starts the session's counts. */
    status_get(l->status, "recording", rec, sizeof rec);
    status_get(l->status, "file", file, sizeof file);
    if (strcmp(rec, "1") == 0 && strcmp(file, l->recording_file) != 0) {
        if (l->model)
            rmat_live_model_session_start(l->model);
        snprintf(l->recording_file, sizeof l->recording_file, "%s", file);
    } else if (strcmp(rec, "1") != 0) {
        l->recording_file[0] = 0;
    }
}

static int link_json(struct rmat_live *l, struct rmat_live_text *t,
                     const struct rmat_live_stats *st)
{
    static const char *const keys[] = {"connected",  "model",  "serial",     "rate_hz",
                                       "recording",  "file",   "duration_s", "frames",
                                       "lost",       "away",   "link_drops", "force_n",
                                       "last_error", "region", "subject",    "calibration"};
    char v[512];
    int rc = rmat_live_text_printf(t, ",\"link\":{\"daemon\":%s", l->ctl_ok ? "true" : "false");
    if (l->ctl_ok)
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (status_get(l->status, keys[k], v, sizeof v) == 0)
                rc |= json_str(t, keys[k], v);
    rc |= rmat_live_text_printf(
        t, ",\"reconnects\":%llu,\"live_frames\":%llu,\"live_dropped\":%llu}",
        (unsigned long long)l->reconnects, (unsigned long long)st->frames_done,
        (unsigned long long)st->frames_dropped);
    return rc;
}

static void publish(struct rmat_live *l, struct rmat_live_text *body, struct rmat_live_text *doc)
{
    struct rmat_live_stats st;
    pthread_mutex_lock(&l->mu);
    st = l->stats;
    pthread_mutex_unlock(&l->mu);
    doc->len = 0;
    int rc = rmat_live_text_printf(doc, "{\"mode\":\"live\"");
    if (l->model && rmat_live_model_json(l->model, body) == 0 && body->len)
        rc |= rmat_live_text_printf(doc, ",%.*s", (int)body->len, body->s);
    rc |= link_json(l, doc, &st);
    rc |= rmat_live_text_printf(doc, "}");
    if (rc == 0 && rmat_live_hub_publish(l->hub, doc->s, doc->len) == 0) {
        pthread_mutex_lock(&l->mu);
        l->stats.snapshots++;
        pthread_mutex_unlock(&l->mu);
    }
}

static void *worker(void *arg)
{
    struct rmat_live *l = arg;
    struct rmat_live_text body = {0}, doc = {0};
    const double period = 1.0 / l->cfg.publish_hz;
    double next_pub = now_s(), next_status = 0;

    for (;;) {
        struct slot_hdr h;
        int have = 0, reconf = 0;
        struct rmat_device_desc dev;
        struct rmat_calib *cal = NULL;

        pthread_mutex_lock(&l->mu);
        while (!l->stop && l->count == 0 && l->gen == l->model_gen) {
            const double wait = next_pub - now_s();
            if (wait <= 0)
                break;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            const double at = (double)ts.tv_nsec / 1e9 + wait;
            ts.tv_sec += (time_t)at;
            ts.tv_nsec = (long)((at - floor(at)) * 1e9);
            pthread_cond_timedwait(&l->cv, &l->mu, &ts);
        }
        if (l->stop) {
            pthread_mutex_unlock(&l->mu);
            break;
        }
        if (l->gen != l->model_gen) {
            reconf = 1;
            l->model_gen = l->gen;
            dev = l->dev;
            cal = calib_copy(l->calib);
        } else if (l->count > 0) {
            h = l->hdrs[l->head];
            if (l->work_n == l->n)
                memcpy(l->work, l->frames + l->head * l->n, l->n * sizeof *l->work);
            l->head = (l->head + 1) % l->cap;
            l->count--;
            have = l->work_n == l->n;
        }
        pthread_mutex_unlock(&l->mu);

        if (reconf) {
            struct rmat_errinfo ei;
            const size_t n = (size_t)dev.rows * (size_t)dev.cols;
            uint16_t *w = realloc(l->work, (n ? n : 1) * sizeof *w);
            if (w) {
                l->work = w;
                l->work_n = n;
            }
            if (rmat_live_model_configure(l->model, &dev, cal, &ei) != RMAT_OK)
                rmat_logf(l->cfg.log, RMAT_LOG_WARN, "live view: %s", ei.msg);
            rmat_calib_free(cal);
            continue;
        }
        if (have) {
            rmat_live_model_frame(l->model, h.seq, h.t_us, l->work);
            pthread_mutex_lock(&l->mu);
            l->stats.frames_done++;
            pthread_mutex_unlock(&l->mu);
        }
        const double t = now_s();
        if (t >= next_status) {
            poll_status(l);
            next_status = t + STATUS_PERIOD_S;
        }
        if (t >= next_pub) {
            publish(l, &body, &doc);
            next_pub += period;
            if (next_pub < t)
                next_pub = t + period; /* behind: skip, never catch up in a burst */
        }
    }
    rmat_live_text_fini(&body);
    rmat_live_text_fini(&doc);
    return NULL;
}

int rmat_live_new(const struct rmat_live_config *cfg, struct rmat_live_hub *hub,
                  struct rmat_live **out, struct rmat_errinfo *ei)
{
    struct rmat_live *l;
    int rc;

    *out = NULL;
    if (!cfg || !hub || !(cfg->publish_hz >= 1 && cfg->publish_hz <= 100))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "live view: the snapshot rate must be 1 to 100 a second");
    l = calloc(1, sizeof *l);
    if (!l)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for the live view");
    l->was_connected = -1; /* not known yet: the first connection is none */
    l->cfg = *cfg;
    l->hub = hub;
    if (cfg->params)
        l->params = *cfg->params;
    else
        rmat_analysis_params_init(&l->params);
    if (cfg->targets)
        l->targets = *cfg->targets;
    else
        rmat_live_targets_init(&l->targets);
    l->cfg.params = &l->params;
    l->cfg.targets = &l->targets;
    if (cfg->ctl_socket && !(l->ctl_socket = strdup(cfg->ctl_socket))) {
        free(l);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for the live view");
    }
    rc = rmat_live_model_new(&l->params, &l->targets, &l->model, ei);
    if (rc != RMAT_OK) {
        free(l->ctl_socket);
        free(l);
        return rc;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->thread, NULL, worker, l) != 0) {
        rmat_live_free(l);
        return rmat_errinfo_set(ei, RMAT_E_IO, errno, "live view: cannot start its thread");
    }
    l->started = 1;
    *out = l;
    return RMAT_OK;
}

void rmat_live_free(struct rmat_live *l)
{
    if (!l)
        return;
    if (l->started) {
        pthread_mutex_lock(&l->mu);
        l->stop = 1;
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    rmat_live_model_free(l->model);
    rmat_calib_free(l->calib);
    free(l->hdrs);
    free(l->frames);
    free(l->work);
    free(l->ctl_socket);
    free(l);
}

/* Whether calibrations a and b (either NULL) give the same pressures. */
static int calib_same(const struct rmat_calib *a, const struct rmat_calib *b)
{
    if (!a || !b)
        return a == b;
    struct rmat_calib x = *a, y = *b;
    x.gains = y.gains = NULL;
    if (memcmp(&x, &y, sizeof x) != 0)
        return 0;
    if (!a->gains || !b->gains)
        return a->gains == b->gains;
    return memcmp(a->gains, b->gains,
                  (size_t)a->gain_rows * (size_t)a->gain_cols * sizeof *a->gains) == 0;
}

void rmat_live_on_connect(struct rmat_live *l, const struct rmat_info *info,
                          const struct rmat_calib *calib)
{
    struct rmat_device_desc dev;
    struct rmat_calib *c = calib_copy(calib);
    const size_t n = (size_t)info->rows * (size_t)info->cols;
    size_t cap = n ? l->cfg.ring_bytes / (n * sizeof(uint16_t) + sizeof(struct slot_hdr)) : 0;
    struct slot_hdr *hdrs;
    uint16_t *frames;

    if (cap < RING_MIN_FRAMES)
        cap = RING_MIN_FRAMES;
    rmat_device_desc_from_info(&dev, info, info->rate_hz);
    /* The daemon says it again at each recording's start (the mat's
     * calibration found anew): the same mat with the same calibration
     * changes nothing, so a hold goes on across the start. */
    pthread_mutex_lock(&l->mu);
    if (l->gen > 0 && l->cap > 0 && dev.serial == l->dev.serial && dev.rows == l->dev.rows &&
        dev.cols == l->dev.cols && dev.adc_bits == l->dev.adc_bits &&
        dev.pitch_x_mm == l->dev.pitch_x_mm && dev.pitch_y_mm == l->dev.pitch_y_mm &&
        calib_same(calib, l->calib)) {
        pthread_mutex_unlock(&l->mu);
        rmat_calib_free(c);
        return;
    }
    pthread_mutex_unlock(&l->mu);
    /* Allocated outside the lock: a (re)connection, not a frame. */
    hdrs = malloc(cap * sizeof *hdrs);
    frames = malloc(cap * (n ? n : 1) * sizeof *frames);
    pthread_mutex_lock(&l->mu);
    l->gen++;
    l->stats.connects++;
    l->dev = dev;
    rmat_calib_free(l->calib);
    l->calib = c;
    free(l->hdrs);
    free(l->frames);
    l->hdrs = hdrs && frames ? hdrs : NULL;
    l->frames = hdrs && frames ? frames : NULL;
    l->cap = hdrs && frames ? cap : 0;
    l->n = n;
    l->head = l->count = 0;
    if (!(hdrs && frames)) {
        free(hdrs);
        free(frames);
    }
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void rmat_live_on_frame(struct rmat_live *l, const struct rmat_frame_hdr *hdr,
                        const uint16_t *samples)
{
    pthread_mutex_lock(&l->mu);
    l->stats.frames_in++;
    if (l->cap == 0 || (size_t)hdr->rows * hdr->cols != l->n) {
        l->stats.frames_dropped++;
        pthread_mutex_unlock(&l->mu);
        return;
    }
    if (l->count == l->cap) {
        /* The worker is behind: the oldest frame goes. */
        l->head = (l->head + 1) % l->cap;
        l->count--;
        l->stats.frames_dropped++;
    }
    const size_t k = (l->head + l->count) % l->cap;
    l->hdrs[k].seq = hdr->seq;
    l->hdrs[k].t_us = hdr->t_us;
    memcpy(l->frames + k * l->n, samples, l->n * sizeof *samples);
    l->count++;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void rmat_live_stats(struct rmat_live *l, struct rmat_live_stats *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->stats;
    pthread_mutex_unlock(&l->mu);
}

static const char *arg(const char *const *keys, const char *const *values, size_t n,
                       const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return values[i];
    return NULL;
}

int rmat_live_action(struct rmat_live *l, const char *name, const char *const *keys,
                     const char *const *values, size_t n, char *reply, size_t cap)
{
    char line[RMAT_CTL_LINE_MAX], kv[RMAT_CTL_LINE_MAX];
    struct rmat_errinfo ei;
    int rc;

    if (!l->ctl_socket) {
        snprintf(reply, cap, "no daemon to send '%s' to", name);
        return RMAT_E_ARG;
    }
    line[0] = 0;
    if (strcmp(name, "start") == 0) {
        static const char *const fields[] = {"subject", "region",   "side", "roller",
                                             "session", "operator", "notes"};
        rmat_ctl_append_word(line, sizeof line, "start");
        const char *subject = arg(keys, values, n, "subject");
        if (!subject || !*subject) {
            snprintf(reply, cap, "give the subject (the patient's code, or anonymous)");
            return RMAT_E_ARG;
        }
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
            const char *v = arg(keys, values, n, fields[f]);
            if (!v || !*v)
                continue;
            snprintf(kv, sizeof kv, "%s=%s", fields[f], v);
            if (rmat_ctl_append_word(line, sizeof line, kv) != RMAT_OK) {
                snprintf(reply, cap, "the fields are longer than the daemon takes");
                return RMAT_E_ARG;
            }
        }
    } else if (strcmp(name, "stop") == 0) {
        rmat_ctl_append_word(line, sizeof line, "stop");
    } else if (strcmp(name, "mark") == 0) {
        const char *text = arg(keys, values, n, "text");
        rmat_ctl_append_word(line, sizeof line, "mark");
        if (rmat_ctl_append_word(line, sizeof line, text && *text ? text : "mark") != RMAT_OK) {
            snprintf(reply, cap, "the text is longer than the daemon takes");
            return RMAT_E_ARG;
        }
    } else if (strcmp(name, "pain") == 0) {
        const char *v = arg(keys, values, n, "n");
        /* Whole numbers 0-10 only, as digits. */
        if (!v || !*v || strlen(v) > 2 || strspn(v, "0123456789") != strlen(v) || atoi(v) > 10) {
            snprintf(reply, cap, "pain must be a whole number from 0 to 10, got '%s'", v ? v : "");
            return RMAT_E_ARG;
        }
        rmat_ctl_append_word(line, sizeof line, "pain");
        rmat_ctl_append_word(line, sizeof line, v);
    } else {
        snprintf(reply, cap, "unknown action '%s' (start, stop, mark, pain)", name);
        return RMAT_E_ARG;
    }
    rc = rmat_ctl_request(l->ctl_socket, line, reply, cap, CTL_TIMEOUT_MS, &ei);
    if (rc != RMAT_OK)
        snprintf(reply, cap, "%s", ei.msg);
    return rc;
}
