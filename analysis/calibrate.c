/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading calibration recordings: the per-sensel means that `rollmat
 * calibrate` fits curves to and `rollmat equilibrate` turns into gains
 * (calibrate.h).
 *
 * A calibration recording holds a known load, put on and taken off by
 * hand, so its first and last frames may see less of it. Frames whose
 * total count is at least half the largest total are taken as loaded:
 * steady under a dead weight, and robust to a slow start. */
#include "rollmat/calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/reader.h"

#define BLOCK_FRAMES 256

void rmat_load_stats_fini(struct rmat_load_stats *st)
{
    if (!st)
        return;
    free(st->mean_counts);
    free(st->mean_kpa);
    st->mean_counts = st->mean_kpa = NULL;
}

int rmat_calib_frame_totals(struct rmat_reader *r, uint16_t *raw, size_t block_frames,
                            uint64_t *t_us, uint64_t *totals, uint64_t *best,
                            struct rmat_errinfo *ei)
{
    const struct rmat_recording_info *info = rmat_reader_info(r);
    const size_t n = (size_t)info->dev.rows * (size_t)info->dev.cols;

    *best = 0;
    for (uint64_t first = 0; first < info->frames; first += block_frames) {
        const size_t cnt =
            info->frames - first < block_frames ? (size_t)(info->frames - first) : block_frames;
        const int rc =
            rmat_reader_read(r, first, cnt, raw, NULL, t_us ? t_us + first : NULL, NULL, ei);
        if (rc != RMAT_OK)
            return rc;
        for (size_t k = 0; k < cnt; k++) {
            uint64_t tot = 0;
            for (size_t s = 0; s < n; s++)
                tot += raw[k * n + s];
            totals[first + k] = tot;
            if (tot > *best)
                *best = tot;
        }
    }
    return RMAT_OK;
}

int rmat_load_stats_read(const char *rec_path, const struct rmat_calib *cal,
                         struct rmat_load_stats *st, struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    const struct rmat_recording_info *info;
    uint16_t *raw = NULL;
    double *lut = NULL, *sum_kpa = NULL;
    uint64_t *totals = NULL, *sum_counts = NULL;
    uint64_t best = 0;
    size_t n;
    int rc;

    if (!st)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_load_stats_read: no output");
    memset(st, 0, sizeof *st);
    if (!rec_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_load_stats_read: no recording");
    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        return rc;
    info = rmat_reader_info(r);
    st->frames = info->frames;
    st->rows = info->dev.rows;
    st->cols = info->dev.cols;
    st->adc_bits = info->dev.adc_bits;
    st->serial = info->dev.serial;
    st->pitch_x_mm = info->dev.pitch_x_mm;
    st->pitch_y_mm = info->dev.pitch_y_mm;
    n = (size_t)st->rows * (size_t)st->cols;
    if (info->frames == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0, "%s has no frames", rec_path);
        goto out;
    }
    if (cal && cal->curve == RMAT_CURVE_NONE)
        cal = NULL;
    raw = malloc(BLOCK_FRAMES * n * sizeof *raw);
    totals = malloc((size_t)info->frames * sizeof *totals);
    sum_counts = calloc(n, sizeof *sum_counts);
    st->mean_counts = calloc(n, sizeof *st->mean_counts);
    if (cal) {
        lut = malloc(65536 * sizeof *lut);
        sum_kpa = calloc(n, sizeof *sum_kpa);
        st->mean_kpa = calloc(n, sizeof *st->mean_kpa);
    }
    if (!raw || !totals || !sum_counts || !st->mean_counts ||
        (cal && (!lut || !sum_kpa || !st->mean_kpa))) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
        goto out;
    }
    if (cal && rmat_calib_lut(cal, 16, lut) < 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: the calibration has no curve", rec_path);
        goto out;
    }
    if (cal) {
        /* The table over all 16 bits, with the curve's full scale that of
         * the recording's ADC where the calibration leaves it open. */
        const int bits = st->adc_bits >= 1 && st->adc_bits <= 16 ? st->adc_bits : 16;
        const double fs = (double)((1u << bits) - 1u);
        for (uint32_t c = 0; c < 65536; c++)
            lut[c] =
                rmat_calib_curve_kpa(cal, (double)(c < (1u << bits) ? c : (1u << bits) - 1u), fs);
    }

    /* Pass 1: each frame's total count. */
    rc = rmat_calib_frame_totals(r, raw, BLOCK_FRAMES, NULL, totals, &best, ei);
    if (rc != RMAT_OK)
        goto out;
    if (best == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: every count is 0: nothing was loaded on the mat", rec_path);
        goto out;
    }
    /* Pass 2: sums over the loaded frames. */
    for (uint64_t first = 0; first < info->frames; first += BLOCK_FRAMES) {
        const size_t cnt =
            info->frames - first < BLOCK_FRAMES ? (size_t)(info->frames - first) : BLOCK_FRAMES;
        rc = rmat_reader_read(r, first, cnt, raw, NULL, NULL, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        for (size_t k = 0; k < cnt; k++) {
            if (2 * totals[first + k] < best)
                continue;
            st->loaded_frames++;
            for (size_t s = 0; s < n; s++)
                sum_counts[s] += raw[k * n + s];
            if (cal)
                for (size_t s = 0; s < n; s++)
                    sum_kpa[s] += lut[raw[k * n + s]];
        }
    }
    for (size_t s = 0; s < n; s++) {
        st->mean_counts[s] = (double)sum_counts[s] / (double)st->loaded_frames;
        if (cal)
            st->mean_kpa[s] = sum_kpa[s] / (double)st->loaded_frames;
    }
out:
    free(raw);
    free(totals);
    free(sum_counts);
    free(sum_kpa);
    free(lut);
    rmat_reader_close(r);
    if (rc != RMAT_OK)
        rmat_load_stats_fini(st);
    return rc;
}

static int cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

double rmat_load_mean_counts(const struct rmat_load_stats *st, double area_cm2, size_t *n_sensels)
{
    const size_t n = st ? (size_t)st->rows * (size_t)st->cols : 0;
    double *v, sum = 0;
    size_t m;

    if (n_sensels)
        *n_sensels = 0;
    if (!st || !st->mean_counts || n == 0 || !(area_cm2 > 0) || !isfinite(area_cm2) ||
        !(st->pitch_x_mm > 0) || !(st->pitch_y_mm > 0))
        return NAN;
    m = (size_t)llround(area_cm2 * 100.0 / (st->pitch_x_mm * st->pitch_y_mm));
    if (m < 1)
        m = 1;
    if (m > n)
        m = n;
    v = malloc(n * sizeof *v);
    if (!v)
        return NAN;
    memcpy(v, st->mean_counts, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_desc);
    for (size_t k = 0; k < m; k++)
        sum += v[k];
    free(v);
    if (n_sensels)
        *n_sensels = m;
    return sum / (double)m;
}

/* --- fitting ------------------------------------------------------------- */

/* Least-squares line y = a + b x through n points; 0, or -1 if the x are
 * all equal. */
static int line_fit(const double *x, const double *y, size_t n, double *a, double *b)
{
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    for (size_t k = 0; k < n; k++) {
        mx += x[k];
        my += y[k];
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t k = 0; k < n; k++) {
        sxx += (x[k] - mx) * (x[k] - mx);
        sxy += (x[k] - mx) * (y[k] - my);
    }
    if (!(sxx > 0))
        return -1;
    *b = sxy / sxx;
    *a = my - *b * mx;
    return 0;
}

static int cmp_point(const void *a, const void *b)
{
    const struct rmat_calib_point *p = a, *q = b;
    return (p->counts > q->counts) - (p->counts < q->counts);
}

int rmat_calib_fit(enum rmat_curve curve, const struct rmat_calib_point *pts, size_t n,
                   double c_max_counts, struct rmat_calib **out, double *fit_kpa,
                   struct rmat_errinfo *ei)
{
    struct rmat_calib *c = NULL;
    double *x = NULL, *y = NULL;
    double a, b;
    int rc = RMAT_OK;

    if (out)
        *out = NULL;
    if (!pts || !out || n == 0)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "calibrate: no points to fit");
    if (n > RMAT_CALIB_MAX_POINTS)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "calibrate: %zu points, at most %d", n,
                                RMAT_CALIB_MAX_POINTS);
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(pts[k].counts) || !isfinite(pts[k].kpa) || pts[k].counts < 0 ||
            pts[k].kpa < 0)
            return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                    "calibrate: point %zu (%g counts, %g kPa) is not two "
                                    "non-negative numbers",
                                    k + 1, pts[k].counts, pts[k].kpa);
        if ((curve == RMAT_CURVE_POWER || curve == RMAT_CURVE_DIVIDER) &&
            !(pts[k].counts > 0 && pts[k].kpa > 0))
            return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                    "calibrate: point %zu (%g counts, %g kPa): a %s curve is "
                                    "fitted in logarithms and needs counts and kPa above 0 "
                                    "(did the load reach the mat?)",
                                    k + 1, pts[k].counts, pts[k].kpa, rmat_curve_name(curve));
        if (curve == RMAT_CURVE_DIVIDER && !(pts[k].counts < c_max_counts - 0.5))
            return rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                    "calibrate: point %zu reads %g counts, at the divider's full "
                                    "scale %g: the mat saturated; use a lighter load",
                                    k + 1, pts[k].counts, c_max_counts);
    }
    if ((curve == RMAT_CURVE_POWER || curve == RMAT_CURVE_DIVIDER) && !(c_max_counts > 1))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "calibrate: c_max_counts %g must exceed 1",
                                c_max_counts);

    c = rmat_calib_new();
    x = malloc(n * sizeof *x);
    y = malloc(n * sizeof *y);
    if (!c || !x || !y) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "calibrate: out of memory");
        goto out;
    }
    c->curve = curve;
    switch (curve) {
    case RMAT_CURVE_LINEAR:
        if (n == 1) {
            if (!(pts[0].counts > 0)) {
                rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                      "calibrate: one point at 0 counts gives no slope");
                goto out;
            }
            c->kpa_per_count = pts[0].kpa / pts[0].counts;
            c->zero_counts = 0.0;
            break;
        }
        for (size_t k = 0; k < n; k++) {
            x[k] = pts[k].counts;
            y[k] = pts[k].kpa;
        }
        if (line_fit(x, y, n, &a, &b) != 0 || !(b > 0)) {
            rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                  "calibrate: the points do not rise with the load (all at "
                                  "the same counts, or more counts for less load)");
            goto out;
        }
        c->kpa_per_count = b;
        c->zero_counts = -a / b;
        break;
    case RMAT_CURVE_POWER:
    case RMAT_CURVE_DIVIDER:
        if (n < 2) {
            rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                  "calibrate: a %s curve has two parameters: give at least two "
                                  "loads",
                                  rmat_curve_name(curve));
            goto out;
        }
        for (size_t k = 0; k < n; k++) {
            const double cc = pts[k].counts;
            x[k] =
                curve == RMAT_CURVE_POWER ? log(cc / c_max_counts) : log(cc / (c_max_counts - cc));
            y[k] = log(pts[k].kpa);
        }
        if (line_fit(x, y, n, &a, &b) != 0 || !(b > 0)) {
            rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                  "calibrate: the points do not rise with the load (all at "
                                  "the same counts, or more counts for less load)");
            goto out;
        }
        c->a_kpa = exp(a);
        c->b = b;
        c->c_max_counts = c_max_counts;
        break;
    case RMAT_CURVE_TABLE: {
        struct rmat_calib_point sorted[RMAT_CALIB_MAX_POINTS];
        memcpy(sorted, pts, n * sizeof *pts);
        qsort(sorted, n, sizeof *sorted, cmp_point);
        for (size_t k = 0; k < n; k++) {
            if (k > 0 &&
                (!(sorted[k].counts > sorted[k - 1].counts) || sorted[k].kpa < sorted[k - 1].kpa)) {
                rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0,
                                      "calibrate: the table is not monotone: %g counts for "
                                      "%g kPa after %g counts for %g kPa",
                                      sorted[k].counts, sorted[k].kpa, sorted[k - 1].counts,
                                      sorted[k - 1].kpa);
                goto out;
            }
            c->point_counts[k] = sorted[k].counts;
            c->point_kpa[k] = sorted[k].kpa;
        }
        c->n_points = n;
        break;
    }
    case RMAT_CURVE_NONE:
    default:
        rc = rmat_errinfo_set(ei, RMAT_E_ARG, 0, "calibrate: no curve to fit");
        goto out;
    }
    if (fit_kpa)
        for (size_t k = 0; k < n; k++)
            fit_kpa[k] = rmat_calib_curve_kpa(c, pts[k].counts, c_max_counts);
    *out = c;
    c = NULL;
out:
    free(x);
    free(y);
    rmat_calib_free(c);
    return rc;
}

/* --- equilibration ------------------------------------------------------- */

int rmat_calib_gains_from_means(const double *mean_p, size_t n, double dead_below, float *gains)
{
    double sum = 0.0;
    size_t live = 0;
    int dead = 0;

    if (!mean_p || !gains || n == 0 || isnan(dead_below))
        return RMAT_E_ARG;
    for (size_t k = 0; k < n; k++) {
        if (mean_p[k] > dead_below && isfinite(mean_p[k])) {
            sum += mean_p[k];
            live++;
        }
    }
    if (live == 0)
        return RMAT_E_ARG;
    const double target = sum / (double)live;
    for (size_t k = 0; k < n; k++) {
        if (mean_p[k] > dead_below && isfinite(mean_p[k])) {
            gains[k] = (float)(target / mean_p[k]);
        } else {
            gains[k] = 1.0f;
            dead++;
        }
    }
    return dead;
}
