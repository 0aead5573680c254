/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fitting an FSR's creep from a recording of a held load (calibrate.h;
 * docs/calibration.md, "Creep").
 *
 * The law (the sensor's, and the one the analysis undoes, sensorfix.h):
 * under a load put on at t = 0, c(t) = c0 (1 + E (1 - exp(-t / tau))).
 * Written as c = a + b (1 - exp(-t / tau)) it is linear in a = c0 and
 * b = c0 E for a given tau, so the fit is a one-dimensional search over tau
 * of the residual of a two-parameter linear least squares: no starting
 * guess to get wrong, no local minimum from a poor one. The grid is
 * logarithmic because tau's scale is unknown (a second or an hour).
 *
 * The recovery (the creep falling back without load, recover_tau) shows
 * only when the load comes back: the second hold starts at c0 (1 + r), r
 * the creep left after the gap, and rises towards c0 (1 + E) with the same
 * tau. With E and tau known, fitting a2 - b2 exp(-t / tau) to it gives
 * c0 = a2 / (1 + E) and r = E - b2 / c0, which does not need the second
 * hold's load to be the first's to the count. Then r = e1 exp(-g / tr),
 * e1 = E (1 - exp(-T1 / tau)) the creep at the end of the first hold (T1
 * long) and g the gap: tr = g / ln(e1 / r).
 */
#include "rollmat/calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/reader.h"

#define BLOCK_FRAMES 256
#define TAU_MIN_S    0.1
#define TAU_MAX_S    3600.0
#define TAU_GRID     200 /* points on the log grid: 1.6% apart */

/* Least squares of y = a + b x (x = 1 - exp(-t / tau)); returns the sum of
 * squared residuals, or +inf if the x do not vary. */
static double fit_at(const double *t, const double *y, size_t n, double tau, double *a, double *b)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, ssr = 0;
    for (size_t k = 0; k < n; k++) {
        const double x = 1.0 - exp(-t[k] / tau);
        sx += x;
        sy += y[k];
        sxx += x * x;
        sxy += x * y[k];
    }
    const double nn = (double)n, det = nn * sxx - sx * sx;
    if (!(det > 1e-12 * nn * nn))
        return INFINITY;
    *b = (nn * sxy - sx * sy) / det;
    *a = (sy - *b * sx) / nn;
    for (size_t k = 0; k < n; k++) {
        const double r = y[k] - *a - *b * (1.0 - exp(-t[k] / tau));
        ssr += r * r;
    }
    return ssr;
}

int rmat_creep_fit_curve(const double *t_s, const double *counts, size_t n, double *c0, double *e,
                         double *tau_s, double *rms_pct)
{
    double best = INFINITY, best_tau = NAN, a = NAN, b = NAN, lo, hi;
    double t_min = INFINITY, t_max = -INFINITY;

    if (!t_s || !counts || n < 4)
        return RMAT_E_ARG;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(t_s[k]) || !isfinite(counts[k]))
            return RMAT_E_ARG;
        if (t_s[k] < t_min)
            t_min = t_s[k];
        if (t_s[k] > t_max)
            t_max = t_s[k];
    }
    if (!(t_max > t_min))
        return RMAT_E_ARG;
    for (int g = 0; g <= TAU_GRID; g++) {
        const double tau = TAU_MIN_S * pow(TAU_MAX_S / TAU_MIN_S, (double)g / TAU_GRID);
        double ga, gb;
        const double s = fit_at(t_s, counts, n, tau, &ga, &gb);
        if (s < best) {
            best = s;
            best_tau = tau;
        }
    }
    if (!isfinite(best))
        return RMAT_E_ARG;
    /* Golden section on log tau between the grid's neighbours of the best. */
    {
        const double step = pow(TAU_MAX_S / TAU_MIN_S, 1.0 / TAU_GRID);
        const double gr = (sqrt(5.0) - 1.0) / 2.0;
        double ga, gb;
        lo = log(best_tau / step);
        hi = log(best_tau * step);
        double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
        double f1 = fit_at(t_s, counts, n, exp(x1), &ga, &gb);
        double f2 = fit_at(t_s, counts, n, exp(x2), &ga, &gb);
        for (int it = 0; it < 60; it++) {
            if (f1 < f2) {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - gr * (hi - lo);
                f1 = fit_at(t_s, counts, n, exp(x1), &ga, &gb);
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + gr * (hi - lo);
                f2 = fit_at(t_s, counts, n, exp(x2), &ga, &gb);
            }
        }
        best_tau = exp((lo + hi) / 2);
        best = fit_at(t_s, counts, n, best_tau, &a, &b);
    }
    if (!isfinite(best) || !(a > 0) || !(b > 0))
        return RMAT_E_ARG;
    *c0 = a;
    *e = b / a;
    *tau_s = best_tau;
    if (rms_pct)
        *rms_pct = 100.0 * sqrt(best / (double)n) / a;
    return RMAT_OK;
}

/* A run of loaded frames [first, last]. */
struct run {
    uint64_t first, last;
};

int rmat_creep_fit_recording(const char *rec_path, struct rmat_creep_fit *out,
                             struct rmat_errinfo *ei)
{
    struct rmat_reader *r = NULL;
    const struct rmat_recording_info *info;
    uint16_t *raw = NULL;
    uint64_t *t_us = NULL, *totals = NULL, *sum = NULL;
    double *t = NULL, *y = NULL;
    uint8_t *use = NULL;
    uint64_t best = 0, frames;
    struct run runs[2];
    int n_runs = 0, rc;
    size_t n;

    if (!out)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_creep_fit_recording: no output");
    memset(out, 0, sizeof *out);
    out->recover_tau_s = out->residual_pct = NAN;
    if (!rec_path)
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "rmat_creep_fit_recording: no recording");
    rc = rmat_reader_open(rec_path, &r, ei);
    if (rc != RMAT_OK)
        return rc;
    info = rmat_reader_info(r);
    frames = info->frames;
    n = (size_t)info->dev.rows * (size_t)info->dev.cols;
    if (frames < 4 || n == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s has %llu frames: not a recording of a held load", rec_path,
                              (unsigned long long)frames);
        goto out;
    }
    raw = malloc(BLOCK_FRAMES * n * sizeof *raw);
    t_us = malloc((size_t)frames * sizeof *t_us);
    totals = malloc((size_t)frames * sizeof *totals);
    sum = calloc(n, sizeof *sum);
    use = calloc(n, 1);
    t = malloc((size_t)frames * sizeof *t);
    y = malloc((size_t)frames * sizeof *y);
    if (!raw || !t_us || !totals || !sum || !use || !t || !y) {
        rc = rmat_errinfo_set(ei, RMAT_E_NOMEM, ENOMEM, "%s: out of memory", rec_path);
        goto out;
    }

    /* Pass 1: each frame's time and total count. */
    rc = rmat_calib_frame_totals(r, raw, BLOCK_FRAMES, t_us, totals, &best, ei);
    if (rc != RMAT_OK)
        goto out;
    for (uint64_t k = 0; k < frames; k++)
        t[k] = (double)(int64_t)(t_us[k] - t_us[0]) / 1e6;

    /* The holds: runs of frames at half the largest total or more, long
     * enough; the first two. */
    for (uint64_t k = 0; k < frames && n_runs < 2;) {
        uint64_t e;
        if (best == 0 || 2 * totals[k] < best) {
            k++;
            continue;
        }
        for (e = k; e + 1 < frames && 2 * totals[e + 1] >= best; e++)
            ;
        if (t[e] - t[k] >= RMAT_CREEP_MIN_HOLD_S) {
            runs[n_runs].first = k;
            runs[n_runs].last = e;
            n_runs++;
        }
        k = e + 1;
    }
    if (n_runs == 0) {
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: no held load: no stretch of %g s or more with the load on "
                              "(frames at half the largest total count or more). Record a "
                              "weight left on the mat for a minute or more (ideally lifted "
                              "for 10 s and put back for 30 s, for the recovery)",
                              rec_path, RMAT_CREEP_MIN_HOLD_S);
        goto out;
    }

    /* The loaded sensels: mean count over the first hold at least half the
     * largest sensel's (the load's interior, not its edges). */
    for (uint64_t first = runs[0].first; first <= runs[0].last; first += BLOCK_FRAMES) {
        const uint64_t left = runs[0].last + 1 - first;
        const size_t cnt = left < BLOCK_FRAMES ? (size_t)left : BLOCK_FRAMES;
        rc = rmat_reader_read(r, first, cnt, raw, NULL, NULL, NULL, ei);
        if (rc != RMAT_OK)
            goto out;
        for (size_t k = 0; k < cnt; k++)
            for (size_t s = 0; s < n; s++)
                sum[s] += raw[k * n + s];
    }
    {
        uint64_t top = 0;
        for (size_t s = 0; s < n; s++)
            if (sum[s] > top)
                top = sum[s];
        for (size_t s = 0; s < n; s++)
            if (top > 0 && 2 * sum[s] >= top) {
                use[s] = 1;
                out->sensels++;
            }
    }

    /* Pass 2: the loaded sensels' mean count, frame by frame, in the holds. */
    for (int h = 0; h < n_runs; h++) {
        for (uint64_t first = runs[h].first; first <= runs[h].last; first += BLOCK_FRAMES) {
            const uint64_t left = runs[h].last + 1 - first;
            const size_t cnt = left < BLOCK_FRAMES ? (size_t)left : BLOCK_FRAMES;
            rc = rmat_reader_read(r, first, cnt, raw, NULL, NULL, NULL, ei);
            if (rc != RMAT_OK)
                goto out;
            for (size_t k = 0; k < cnt; k++) {
                double s_counts = 0;
                for (size_t s = 0; s < n; s++)
                    if (use[s])
                        s_counts += raw[k * n + s];
                y[first + k] = s_counts / (double)out->sensels;
            }
        }
    }

    /* The first hold: E and tau, times from its first loaded frame. */
    {
        const size_t m = (size_t)(runs[0].last - runs[0].first + 1);
        double *tt = t + runs[0].first, *yy = y + runs[0].first;
        const double t0 = tt[0];
        double c0, e, tau;
        for (size_t k = 0; k < m; k++)
            tt[k] -= t0;
        rc = rmat_creep_fit_curve(tt, yy, m, &c0, &e, &tau, &out->rms_pct);
        if (rc != RMAT_OK || !(tau < TAU_MAX_S)) {
            rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                  "%s: the counts under the held load (%.1f s from %.1f s) do "
                                  "not rise like creep (c0 (1 + E (1 - exp(-t / tau)))): no "
                                  "creep to fit, or the load changed during the hold; record a "
                                  "steady weight left alone for a minute or more",
                                  rec_path, tt[m - 1], t0);
            goto out;
        }
        out->c0_counts = c0;
        out->creep_pct = 100.0 * e;
        out->tau_s = tau;
        out->hold_start_s = t0;
        out->hold_s = tt[m - 1];
        out->frames = m;
    }

    /* The second hold, if any: the creep left after the gap. */
    if (n_runs == 2) {
        const size_t m = (size_t)(runs[1].last - runs[1].first + 1);
        double *tt = t + runs[1].first, *yy = y + runs[1].first;
        const double t2 = tt[0], e_max = out->creep_pct / 100.0, tau = out->tau_s;
        double a2, b2;
        out->gap_s = t2 - (out->hold_start_s + out->hold_s);
        for (size_t k = 0; k < m; k++)
            tt[k] -= t2;
        out->hold2_s = tt[m - 1];
        out->frames += m;
        /* y = a2 - b2 exp(-t / tau) = (a2 - b2) + b2 (1 - exp(-t / tau)). */
        if (fit_at(tt, yy, m, tau, &a2, &b2) < INFINITY) {
            const double level = a2 + b2; /* c0 (1 + E) */
            const double c0 = level / (1.0 + e_max);
            const double resid = e_max - b2 / c0;
            const double e1 = e_max * (1.0 - exp(-out->hold_s / tau));
            out->residual_pct = 100.0 * resid;
            if (resid > 0 && resid < e1 && out->gap_s > 0)
                out->recover_tau_s = out->gap_s / log(e1 / resid);
        }
    }
    rc = RMAT_OK;
out:
    free(raw);
    free(t_us);
    free(totals);
    free(sum);
    free(use);
    free(t);
    free(y);
    rmat_reader_close(r);
    return rc;
}
