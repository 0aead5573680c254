/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live model (live.h): frames in, the page's numbers out.
 *
 * Every number a frame gives is the analysis's: the counts go through the
 * calibration's lookup table and rmat_frame_metrics_from_counts() exactly as
 * analyze.c does (same scale, same contact threshold from
 * rmat_analysis_contact_threshold()), and the CoP goes, unsmoothed as in the
 * analysis, into the hold tracker of holds.h. Times are the device's clock
 * from the first frame, as the analysis's t_s (which corrects a measured
 * crystal drift of a few ppm: a difference of microseconds a minute).
 *
 * Passes and cadence are the live estimates: the analysis finds passes
 * along the whole session's rolling axis and cadence from the spectrum of
 * the whole series, which no live view can know yet. Live, the axis is the
 * one of the session's frames so far, s is smoothed over the analysis's
 * window but trailing (it cannot see ahead), and turning points use the
 * analysis's hysteresis (turn_mm); the cadence is the turns of the last
 * 30 s. docs/live.md says so.
 */
#include "rollmat/live.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/calib.h"
#include "rollmat/err.h"
#include "rollmat/holds.h"

#define HIST_N      60  /* 30 s of history, */
#define HIST_DT_S   0.5 /* one point every 0.5 s */
#define TRAIL_N     30  /* 3 s of CoP trail, */
#define TRAIL_DT_S  0.1 /* one point every 0.1 s */
#define SMOOTH_MAX  512 /* frames in the trailing smoothing window, at most */
#define TURNS_N     32  /* turning points kept for the cadence */
#define CADENCE_S   30.0
#define AXIS_MIN_FR 50 /* contact frames before the session's axis is used */

struct hist {
    double force, peak, mean, area;
};

struct rmat_live_model {
    struct rmat_analysis_params params;
    struct rmat_live_targets targets;
    int configured;
    struct rmat_grid g;
    size_t n; /* sensels */
    double *lut;
    float *gains;
    struct rmat_counts_scale scale;
    int calibrated;
    double threshold;
    uint16_t max_count;
    uint16_t *raw; /* the last frame */
    double *p;
    uint8_t *live;
    struct rmat_hold_tracker *holds;

    /* time */
    uint64_t t0_us, t_us;
    int have_t0;
    double t_s;
    uint64_t frames, seq_lost;
    uint32_t last_seq;
    struct rmat_frame_metrics m;

    /* session counts */
    double session_t0_s;
    size_t n_holds;
    double last_hold_s;
    double contact_s;
    double last_t_s;

    /* passes: the session's axis from running sums, s smoothed trailing */
    double ax_n, ax_sx, ax_sy, ax_sxx, ax_syy, ax_sxy;
    double sm_t[SMOOTH_MAX], sm_v[SMOOTH_MAX];
    size_t sm_head, sm_n;
    double sm_sum;
    int in_contact;
    int dir;          /* +1, -1; 0: not yet */
    double ext, from; /* the latest extreme, the last turning point's s */
    int have_from;
    size_t passes;
    double turns[TURNS_N]; /* times of the last turning points */
    size_t n_turns;

    /* history and trail */
    struct hist hist[HIST_N];
    size_t hist_n, hist_head;
    double hist_next_t;
    double trail_x[TRAIL_N], trail_y[TRAIL_N];
    size_t trail_n, trail_head;
    double trail_next_t;
};

void rmat_live_targets_init(struct rmat_live_targets *t)
{
    t->hold_lo_s = 30;
    t->hold_hi_s = 45;
    t->cadence_lo_cpm = 15;
    t->cadence_hi_cpm = 40;
    t->zone_lo_kpa = NAN;
    t->zone_hi_kpa = NAN;
    t->scale_max_kpa = 150;
}

int rmat_live_targets_check(const struct rmat_live_targets *t, struct rmat_errinfo *ei)
{
    if (!(t->hold_lo_s >= 0 && t->hold_lo_s <= t->hold_hi_s && isfinite(t->hold_hi_s)))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "the hold band %g-%g s is not a range of seconds (low <= high)",
                                t->hold_lo_s, t->hold_hi_s);
    if (!(t->cadence_lo_cpm >= 0 && t->cadence_lo_cpm <= t->cadence_hi_cpm &&
          isfinite(t->cadence_hi_cpm)))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "the cadence band %g-%g cycles/min is not a range (low <= high)",
                                t->cadence_lo_cpm, t->cadence_hi_cpm);
    if (!(isnan(t->zone_lo_kpa) && isnan(t->zone_hi_kpa)) &&
        !(t->zone_lo_kpa >= 0 && t->zone_lo_kpa <= t->zone_hi_kpa && isfinite(t->zone_hi_kpa)))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                "the pressure zone %g-%g kPa is not a range (low <= high)",
                                t->zone_lo_kpa, t->zone_hi_kpa);
    if (!(t->scale_max_kpa > 0 && isfinite(t->scale_max_kpa)))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "the colour scale's top %g is not positive",
                                t->scale_max_kpa);
    return RMAT_OK;
}

int rmat_live_band_parse(const char *s, double *lo, double *hi)
{
    char *end, *end2;
    const double a = strtod(s, &end);
    if (end == s || *end != '-')
        return -1;
    const double b = strtod(end + 1, &end2);
    if (end2 == end + 1 || *end2 || !isfinite(a) || !isfinite(b) || a < 0 || b < a)
        return -1;
    *lo = a;
    *hi = b;
    return 0;
}

static int on_hold(void *ctx, const struct rmat_hold *h)
{
    struct rmat_live_model *m = ctx;
    /* A hold that ended after the session started counts for it. */
    if (m->t_s >= m->session_t0_s) {
        m->n_holds++;
        m->last_hold_s = h->duration_s;
    }
    return 0;
}

int rmat_live_model_new(const struct rmat_analysis_params *p, const struct rmat_live_targets *t,
                        struct rmat_live_model **out, struct rmat_errinfo *ei)
{
    struct rmat_live_model *m;
    int rc;

    *out = NULL;
    m = calloc(1, sizeof *m);
    if (!m)
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for the live view");
    if (p)
        m->params = *p;
    else
        rmat_analysis_params_init(&m->params);
    if (t)
        m->targets = *t;
    else
        rmat_live_targets_init(&m->targets);
    rc = rmat_live_targets_check(&m->targets, ei);
    if (rc == RMAT_OK) {
        rc = rmat_hold_tracker_new(m->params.hold_radius_mm, m->params.hold_min_s, on_hold, m,
                                   &m->holds);
        if (rc != RMAT_OK)
            rmat_errinfo_set(ei, rc, 0, "hold radius %g mm or minimum %g s is not usable",
                             m->params.hold_radius_mm, m->params.hold_min_s);
    }
    if (rc != RMAT_OK) {
        rmat_live_model_free(m);
        return rc;
    }
    m->last_hold_s = NAN;
    *out = m;
    return RMAT_OK;
}

static void release_grid(struct rmat_live_model *m)
{
    free(m->lut);
    free(m->gains);
    free(m->raw);
    free(m->p);
    free(m->live);
    m->lut = NULL;
    m->gains = NULL;
    m->raw = NULL;
    m->p = NULL;
    m->live = NULL;
    m->configured = 0;
}

void rmat_live_model_free(struct rmat_live_model *m)
{
    if (!m)
        return;
    release_grid(m);
    rmat_hold_tracker_free(m->holds);
    free(m);
}

static void reset_passes(struct rmat_live_model *m)
{
    m->sm_head = m->sm_n = 0;
    m->sm_sum = 0;
    m->dir = 0;
    m->have_from = 0;
    m->in_contact = 0;
}

void rmat_live_model_session_start(struct rmat_live_model *m)
{
    m->session_t0_s = m->frames ? m->t_s : 0.0;
    m->n_holds = 0;
    m->last_hold_s = NAN;
    m->contact_s = 0;
    m->passes = 0;
    m->n_turns = 0;
    m->ax_n = m->ax_sx = m->ax_sy = m->ax_sxx = m->ax_syy = m->ax_sxy = 0;
    reset_passes(m);
}

int rmat_live_model_configure(struct rmat_live_model *m, const struct rmat_device_desc *dev,
                              const struct rmat_calib *cal, struct rmat_errinfo *ei)
{
    const int bits = dev->adc_bits >= 1 && dev->adc_bits <= 16 ? dev->adc_bits : 16;
    int lut_n;

    release_grid(m);
    if (dev->rows < 1 || dev->rows > 255 || dev->cols < 1 || dev->cols > 255 ||
        !(dev->pitch_x_mm > 0) || !(dev->pitch_y_mm > 0))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "the mat's grid %dx%d at %gx%g mm cannot be shown", dev->rows,
                                dev->cols, dev->pitch_x_mm, dev->pitch_y_mm);
    if (cal && cal->gains && (cal->gain_rows != dev->rows || cal->gain_cols != dev->cols))
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "calibration '%s' has %dx%d gains for a %dx%d mat: equilibrate "
                                "this mat (rollmat equilibrate) or give its own calibration",
                                cal->name, cal->gain_rows, cal->gain_cols, dev->rows, dev->cols);
    m->g.rows = dev->rows;
    m->g.cols = dev->cols;
    m->g.pitch_x_mm = dev->pitch_x_mm;
    m->g.pitch_y_mm = dev->pitch_y_mm;
    m->n = (size_t)dev->rows * (size_t)dev->cols;
    m->lut = malloc(((size_t)1 << bits) * sizeof *m->lut);
    m->raw = calloc(m->n, sizeof *m->raw);
    m->p = calloc(m->n, sizeof *m->p);
    m->live = calloc((size_t)dev->rows, 1);
    if (cal && cal->gains) {
        m->gains = malloc(m->n * sizeof *m->gains);
        if (m->gains)
            memcpy(m->gains, cal->gains, m->n * sizeof *m->gains);
    }
    if (!m->lut || !m->raw || !m->p || !m->live || (cal && cal->gains && !m->gains)) {
        release_grid(m);
        return rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "out of memory for the live view");
    }
    lut_n = rmat_calib_lut(cal, bits, m->lut);
    if (lut_n < 1) {
        release_grid(m);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "calibration '%s' has no curve",
                                cal ? cal->name : "");
    }
    m->calibrated = cal != NULL;
    m->max_count = (uint16_t)(lut_n - 1);
    m->threshold =
        rmat_analysis_contact_threshold(&m->params, m->calibrated, (unsigned)(lut_n - 1));
    if (rmat_counts_scale_init(&m->scale, m->lut, m->max_count, m->gains, m->n, m->threshold) !=
        RMAT_OK) {
        release_grid(m);
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "calibration '%s' gives falling or negative pressures",
                                cal ? cal->name : "");
    }
    m->configured = 1;
    m->have_t0 = 0;
    m->frames = m->seq_lost = 0;
    m->t_s = 0;
    m->hist_n = m->hist_head = 0;
    m->trail_n = m->trail_head = 0;
    m->hist_next_t = m->trail_next_t = 0;
    memset(&m->m, 0, sizeof m->m);
    rmat_hold_tracker_reset(m->holds);
    rmat_live_model_session_start(m);
    return RMAT_OK;
}

/* The session's rolling axis so far (passes.h's rmat_rolling_axis() over
 * the frames seen), from running sums. */
static void axis(const struct rmat_live_model *m, double *mx, double *my, double *ux, double *uy)
{
    *ux = 0;
    *uy = 1;
    if (m->ax_n < 1) {
        *mx = *my = 0;
        return;
    }
    *mx = m->ax_sx / m->ax_n;
    *my = m->ax_sy / m->ax_n;
    if (m->ax_n < AXIS_MIN_FR)
        return;
    const double cxx = m->ax_sxx / m->ax_n - *mx * *mx;
    const double cyy = m->ax_syy / m->ax_n - *my * *my;
    const double cxy = m->ax_sxy / m->ax_n - *mx * *my;
    const double th = 0.5 * atan2(2 * cxy, cxx - cyy);
    double x = cos(th), y = sin(th);
    if (fabs(x) >= fabs(y) ? x < 0 : y < 0) {
        x = -x;
        y = -y;
    }
    *ux = x;
    *uy = y;
}

static void turn(struct rmat_live_model *m)
{
    /* A pass is the span from the last turning point (or the run's start)
     * to this one, if it moved at least turn_mm (passes.h). */
    if (m->have_from && fabs(m->ext - m->from) >= m->params.turn_mm)
        m->passes++;
    m->from = m->ext;
    m->have_from = 1;
    if (m->n_turns == TURNS_N) {
        memmove(m->turns, m->turns + 1, (TURNS_N - 1) * sizeof *m->turns);
        m->n_turns--;
    }
    m->turns[m->n_turns++] = m->t_s;
}

static void track_passes(struct rmat_live_model *m)
{
    const double x = m->m.cop_x_mm, y = m->m.cop_y_mm;
    double mx, my, ux, uy;

    if (isnan(x) || isnan(y)) {
        if (m->in_contact && m->dir != 0 && m->have_from &&
            fabs(m->ext - m->from) >= m->params.turn_mm)
            m->passes++; /* the run's last stroke */
        reset_passes(m);
        return;
    }
    m->in_contact = 1;
    m->ax_n += 1;
    m->ax_sx += x;
    m->ax_sy += y;
    m->ax_sxx += x * x;
    m->ax_syy += y * y;
    m->ax_sxy += x * y;
    axis(m, &mx, &my, &ux, &uy);
    const double s = (x - mx) * ux + (y - my) * uy;
    /* Trailing mean over smooth_s. */
    if (m->sm_n == SMOOTH_MAX) {
        m->sm_sum -= m->sm_v[m->sm_head];
        m->sm_head = (m->sm_head + 1) % SMOOTH_MAX;
        m->sm_n--;
    }
    m->sm_t[(m->sm_head + m->sm_n) % SMOOTH_MAX] = m->t_s;
    m->sm_v[(m->sm_head + m->sm_n) % SMOOTH_MAX] = s;
    m->sm_n++;
    m->sm_sum += s;
    while (m->sm_n > 1 && m->t_s - m->sm_t[m->sm_head] > m->params.smooth_s) {
        m->sm_sum -= m->sm_v[m->sm_head];
        m->sm_head = (m->sm_head + 1) % SMOOTH_MAX;
        m->sm_n--;
    }
    const double ss = m->sm_sum / (double)m->sm_n;
    if (!m->have_from) {
        m->from = m->ext = ss;
        m->have_from = 1;
        m->dir = 0;
        return;
    }
    if (m->dir == 0) {
        if (fabs(ss - m->from) >= m->params.turn_mm) {
            m->dir = ss > m->from ? 1 : -1;
            m->ext = ss;
        }
        return;
    }
    if ((m->dir > 0 && ss > m->ext) || (m->dir < 0 && ss < m->ext)) {
        m->ext = ss;
    } else if (fabs(ss - m->ext) >= m->params.turn_mm) {
        turn(m);
        m->dir = -m->dir;
        m->ext = ss;
    }
}

void rmat_live_model_frame(struct rmat_live_model *m, uint32_t seq, uint64_t t_us,
                           const uint16_t *raw)
{
    struct rmat_counts_scan scan;

    if (!m->configured)
        return;
    if (!m->have_t0) {
        m->t0_us = t_us;
        m->have_t0 = 1;
    } else if (seq > m->last_seq) {
        m->seq_lost += seq - m->last_seq - 1u;
    }
    m->last_seq = seq;
    m->t_us = t_us;
    /* As analyze.c: the difference read as signed. */
    m->last_t_s = m->t_s;
    m->t_s = (double)(int64_t)(t_us - m->t0_us) / 1e6;
    memcpy(m->raw, raw, m->n * sizeof *raw);
    rmat_counts_scan(&m->scale, raw, m->g.rows, m->g.cols, NULL, m->live, &scan);
    rmat_frame_metrics_from_counts(&m->g, raw, &m->scale, m->live, &scan, m->p, &m->m);
    if (!m->calibrated)
        rmat_frame_metrics_counts_units(&m->g, &m->m);
    if (m->m.contact_sensels > 0 && m->frames > 0 && m->t_s > m->last_t_s)
        m->contact_s += m->t_s - m->last_t_s;
    m->frames++;
    /* The analysis's hold rule: on the CoP itself, NaN without contact. An
     * allocation failure only stops holds from growing: counted as none. */
    (void)rmat_hold_tracker_push(m->holds, m->t_s, m->m.cop_x_mm, m->m.cop_y_mm);
    track_passes(m);
    if (m->t_s >= m->hist_next_t || m->hist_n == 0) {
        struct hist *h = &m->hist[(m->hist_head + m->hist_n) % HIST_N];
        if (m->hist_n == HIST_N) {
            m->hist_head = (m->hist_head + 1) % HIST_N;
            m->hist_n--;
        }
        h->force = m->m.force_n;
        h->peak = m->m.peak_kpa;
        h->mean = m->m.mean_kpa;
        h->area = m->m.area_cm2;
        m->hist_n++;
        m->hist_next_t = m->t_s + HIST_DT_S;
    }
    if (m->t_s >= m->trail_next_t || m->trail_n == 0) {
        const size_t k = (m->trail_head + m->trail_n) % TRAIL_N;
        if (m->trail_n == TRAIL_N) {
            m->trail_head = (m->trail_head + 1) % TRAIL_N;
            m->trail_n--;
        }
        m->trail_x[k] = m->m.cop_x_mm;
        m->trail_y[k] = m->m.cop_y_mm;
        m->trail_n++;
        m->trail_next_t = m->t_s + TRAIL_DT_S;
    }
}

void rmat_live_model_numbers(const struct rmat_live_model *m, struct rmat_live_numbers *out)
{
    double start;

    memset(out, 0, sizeof *out);
    out->frames = m->frames;
    out->seq_lost = m->seq_lost;
    out->t_s = m->t_s;
    out->t_us = m->t_us;
    out->m = m->m;
    out->calibrated = m->calibrated;
    out->holding = m->frames > 0 && rmat_hold_tracker_current(m->holds, NULL, &start);
    out->hold_start_s = out->holding ? start : NAN;
    out->hold_s = out->holding ? m->t_s - start : 0.0;
    out->holds = m->n_holds;
    out->last_hold_s = m->last_hold_s;
    out->passes = m->passes;
    out->cadence_cpm = NAN;
    {
        /* Turns of the last 30 s: each span between two is a pass, two
         * passes a cycle. */
        size_t first = m->n_turns;
        while (first > 0 && m->t_s - m->turns[first - 1] <= CADENCE_S)
            first--;
        const size_t k = m->n_turns - first;
        if (k >= 3) {
            const double span = m->turns[m->n_turns - 1] - m->turns[first];
            /* Rolling has stopped (a hold, a lift) when the last turn is
             * three strokes old: no cadence then. */
            const double stroke = span / (double)(k - 1);
            if (span > 0 && m->t_s - m->turns[m->n_turns - 1] <= 3 * stroke)
                out->cadence_cpm = 60.0 * (double)(k - 1) / span / 2.0;
        }
    }
    out->contact_s = m->contact_s;
    out->session_t0_s = m->session_t0_s;
}

/* --- JSON ---------------------------------------------------------------- */

void rmat_live_text_fini(struct rmat_live_text *t)
{
    free(t->s);
    t->s = NULL;
    t->len = t->cap = 0;
}

int rmat_live_text_printf(struct rmat_live_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        const size_t room = t->cap - t->len;
        int n = 0;
        if (room > 0) {
            va_start(ap, fmt);
            n = vsnprintf(t->s + t->len, room, fmt, ap);
            va_end(ap);
            if (n < 0)
                return -1;
            if ((size_t)n < room) {
                t->len += (size_t)n;
                return 0;
            }
        }
        const size_t nc = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *s = realloc(t->s, nc);
        if (!s)
            return -1;
        t->s = s;
        t->cap = nc;
    }
}

static int num(struct rmat_live_text *t, const char *key, double v)
{
    if (!isfinite(v))
        return rmat_live_text_printf(t, ",\"%s\":null", key);
    return rmat_live_text_printf(t, ",\"%s\":%.6g", key, v);
}

static int b64(struct rmat_live_text *t, const uint8_t *b, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const size_t need = (n + 2) / 3 * 4 + 1;
    if (t->cap - t->len < need) {
        char *s = realloc(t->s, t->len + need + 4096);
        if (!s)
            return -1;
        t->s = s;
        t->cap = t->len + need + 4096;
    }
    char *o = t->s + t->len;
    for (size_t i = 0; i < n; i += 3) {
        const uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) |
                           (i + 2 < n ? b[i + 2] : 0);
        *o++ = a[v >> 18 & 63];
        *o++ = a[v >> 12 & 63];
        *o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? a[v & 63] : '=';
    }
    *o = 0;
    t->len = (size_t)(o - t->s);
    return 0;
}

int rmat_live_model_json(struct rmat_live_model *m, struct rmat_live_text *out)
{
    struct rmat_live_numbers v;
    int rc = 0;

    out->len = 0;
    rmat_live_model_numbers(m, &v);
    rc |= rmat_live_text_printf(out, "\"configured\":%s", m->configured ? "true" : "false");
    if (!m->configured)
        return rc ? -1 : 0;
    const double top = m->calibrated ? m->targets.scale_max_kpa : (double)m->max_count;
    rc |= rmat_live_text_printf(out,
                                ",\"units\":\"%s\",\"rows\":%d,\"cols\":%d,\"pitch_x_mm\":%.6g,"
                                "\"pitch_y_mm\":%.6g,\"frames\":%llu,\"seq_lost\":%llu",
                                m->calibrated ? "kPa" : "counts", m->g.rows, m->g.cols,
                                m->g.pitch_x_mm, m->g.pitch_y_mm, (unsigned long long)v.frames,
                                (unsigned long long)v.seq_lost);
    rc |= num(out, "scale_max", top);
    rc |= num(out, "contact_threshold", m->threshold);
    rc |= num(out, "t_s", v.t_s);
    rc |= num(out, "t_device_s", (double)v.t_us / 1e6);
    rc |= num(out, "force_n", v.m.force_n);
    rc |= num(out, "peak_kpa", v.m.peak_kpa);
    rc |= num(out, "mean_kpa", v.m.mean_kpa);
    rc |= num(out, "area_cm2", v.m.area_cm2);
    rc |= num(out, "cop_x_mm", v.m.cop_x_mm);
    rc |= num(out, "cop_y_mm", v.m.cop_y_mm);
    rc |= rmat_live_text_printf(out, ",\"contact_sensels\":%d", v.m.contact_sensels);
    if (m->frames > 0) {
        /* The map in full (the metrics convert only the rows that can hold
         * contact), as bytes of the fixed colour scale, and the contact. */
        uint8_t *q = malloc(m->n + (m->n + 7) / 8);
        if (!q)
            return -1;
        uint8_t *mask = q + m->n;
        memset(mask, 0, (m->n + 7) / 8);
        rmat_counts_to_kpa(&m->scale, m->raw, 0, m->n, m->p);
        for (size_t k = 0; k < m->n; k++) {
            const double f = m->p[k] / top;
            q[k] = (uint8_t)(f >= 1 ? 255 : f > 0 ? lround(f * 255) : 0);
            if (m->p[k] >= m->threshold)
                mask[k / 8] |= (uint8_t)(1u << (k % 8));
        }
        rc |= rmat_live_text_printf(out, ",\"map\":\"");
        rc |= b64(out, q, m->n);
        rc |= rmat_live_text_printf(out, "\",\"contact\":\"");
        rc |= b64(out, mask, (m->n + 7) / 8);
        rc |= rmat_live_text_printf(out, "\"");
        free(q);
    }
    rc |= rmat_live_text_printf(out, ",\"trail\":[");
    for (size_t i = 0; i < m->trail_n; i++) {
        const size_t k = (m->trail_head + i) % TRAIL_N;
        if (isnan(m->trail_x[k]))
            rc |= rmat_live_text_printf(out, "%snull", i ? "," : "");
        else
            rc |= rmat_live_text_printf(out, "%s[%.1f,%.1f]", i ? "," : "", m->trail_x[k],
                                        m->trail_y[k]);
    }
    rc |= rmat_live_text_printf(out, "],\"history_dt_s\":%g,\"history\":[", HIST_DT_S);
    for (size_t i = 0; i < m->hist_n; i++) {
        const struct hist *h = &m->hist[(m->hist_head + i) % HIST_N];
        rc |= rmat_live_text_printf(out, "%s[", i ? "," : "");
        const double vals[4] = {h->force, h->peak, h->mean, h->area};
        for (int j = 0; j < 4; j++)
            rc |= isfinite(vals[j]) ? rmat_live_text_printf(out, "%s%.4g", j ? "," : "", vals[j])
                                    : rmat_live_text_printf(out, "%snull", j ? "," : "");
        rc |= rmat_live_text_printf(out, "]");
    }
    rc |= rmat_live_text_printf(out, "],\"holding\":%s", v.holding ? "true" : "false");
    rc |= num(out, "hold_s", v.hold_s);
    rc |= num(out, "hold_start_s", v.hold_start_s);
    rc |=
        num(out, "hold_start_device_s", v.holding ? (double)m->t0_us / 1e6 + v.hold_start_s : NAN);
    rc |= rmat_live_text_printf(out, ",\"holds\":%zu,\"passes\":%zu", v.holds, v.passes);
    rc |= num(out, "last_hold_s", v.last_hold_s);
    rc |= num(out, "cadence_cpm", v.cadence_cpm);
    rc |= num(out, "contact_s", v.contact_s);
    rc |= num(out, "session_s", v.t_s - v.session_t0_s);
    rc |= rmat_live_text_printf(out, ",\"targets\":{");
    rc |= rmat_live_text_printf(out, "\"hold_lo_s\":%g", m->targets.hold_lo_s);
    rc |= num(out, "hold_hi_s", m->targets.hold_hi_s);
    rc |= num(out, "cadence_lo_cpm", m->targets.cadence_lo_cpm);
    rc |= num(out, "cadence_hi_cpm", m->targets.cadence_hi_cpm);
    rc |= num(out, "zone_lo_kpa", m->targets.zone_lo_kpa);
    rc |= num(out, "zone_hi_kpa", m->targets.zone_hi_kpa);
    rc |= num(out, "hold_min_s", m->params.hold_min_s);
    rc |= rmat_live_text_printf(out, "}");
    return rc ? -1 : 0;
}
