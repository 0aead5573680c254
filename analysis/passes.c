/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rolling axis, s_mm, smoothing over contact and pass detection
 * (passes.h; docs/metrics.md "Per frame" and "Passes").
 */
#include "rollmat/passes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

size_t rmat_rolling_axis(const double *x, const double *y, size_t n, double *mean_x_mm,
                         double *mean_y_mm, double *ux, double *uy)
{
    double mx = 0.0, my = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0;
    size_t used = 0;

    *mean_x_mm = *mean_y_mm = NAN;
    *ux = 0.0;
    *uy = 1.0;
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]) || isnan(y[k]))
            continue;
        mx += x[k];
        my += y[k];
        used++;
    }
    if (used == 0)
        return 0;
    mx /= (double)used;
    my /= (double)used;
    /* Two passes: moments about the mean, not E[x²] - E[x]², which would
     * cancel for a narrow stroke far from the mat's corner. */
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]) || isnan(y[k]))
            continue;
        const double dx = x[k] - mx, dy = y[k] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    /* The major axis of [[sxx, sxy], [sxy, syy]] lies at angle
     * theta = atan2(2 sxy, sxx - syy) / 2, in (-pi/2, pi/2], so cos >= 0. */
    const double theta = 0.5 * atan2(2.0 * sxy, sxx - syy);
    double cx = cos(theta), cy = sin(theta);
    if (fabs(cy) > fabs(cx) && cy < 0) {
        cx = -cx;
        cy = -cy;
    }
    *mean_x_mm = mx;
    *mean_y_mm = my;
    *ux = cx;
    *uy = cy;
    return used;
}

void rmat_s_along(const double *x, const double *y, size_t n, double mean_x_mm, double mean_y_mm,
                  double ux, double uy, double *s)
{
    for (size_t k = 0; k < n; k++)
        s[k] = (x[k] - mean_x_mm) * ux + (y[k] - mean_y_mm) * uy;
}

void rmat_smooth_contact(const double *t_s, const double *v, size_t n, double window_s, double *out)
{
    const double half = window_s / 2.0;
    size_t k = 0;

    if (!(window_s > 0)) {
        memmove(out, v, n * sizeof *out);
        return;
    }
    while (k < n) {
        if (isnan(v[k])) {
            out[k++] = NAN;
            continue;
        }
        /* One contact run [a, b): a window [lo, hi) slides along it with a
         * running sum. The sum is recomputed from scratch every 4096 frames
         * so that rounding from adds and subtracts cannot pile up over an
         * hour-long run. */
        const size_t a = k;
        size_t b = a;
        while (b < n && !isnan(v[b]))
            b++;
        size_t lo = a, hi = a;
        double sum = 0.0;
        for (size_t i = a; i < b; i++) {
            while (hi < b && t_s[hi] - t_s[i] <= half)
                sum += v[hi++];
            while (t_s[i] - t_s[lo] > half) {
                sum -= v[lo++];
            }
            if (((i - a) & 4095u) == 4095u) {
                sum = 0.0;
                for (size_t j = lo; j < hi; j++)
                    sum += v[j];
            }
            out[i] = sum / (double)(hi - lo);
        }
        k = b;
    }
}

/* --- passes -------------------------------------------------------------- */

struct pass_list {
    struct rmat_pass *v;
    size_t n, cap;
};

static int add_span(struct pass_list *pl, const double *t_s, const double *ss, size_t first,
                    size_t last, double turn_mm)
{
    const double ds = ss[last] - ss[first];
    struct rmat_pass *p;

    if (last <= first || !(fabs(ds) >= turn_mm))
        return RMAT_OK;
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 64;
        struct rmat_pass *v = realloc(pl->v, cap * sizeof *v);
        if (!v)
            return RMAT_E_NOMEM;
        pl->v = v;
        pl->cap = cap;
    }
    p = &pl->v[pl->n++];
    p->first = first;
    p->last = last;
    p->t_start_s = t_s[first];
    p->t_end_s = t_s[last];
    p->direction = ds > 0 ? 1 : -1;
    p->amplitude_mm = fabs(ds);
    p->speed_mm_s = p->t_end_s > p->t_start_s ? p->amplitude_mm / (p->t_end_s - p->t_start_s) : NAN;
    p->mean_force_n = p->peak_kpa = p->mean_kpa = NAN;
    p->mean_area_cm2 = p->mean_width_mm = p->compliance_mm3_n = NAN;
    return RMAT_OK;
}

/* The turning points of one contact run [a, b] (inclusive), each span
 * between breakpoints offered to add_span(). The zigzag keeps the latest
 * extreme in the current direction; a move back by turn_mm from it makes
 * that extreme a turning point and reverses the direction. Before the
 * first reversal the direction is unknown and both extremes are kept. */
static int run_passes(struct pass_list *pl, const double *t_s, const double *ss, size_t a, size_t b,
                      double turn_mm)
{
    size_t from = a; /* the latest breakpoint */
    size_t hi_i = a, lo_i = a;
    int dir = 0, rc;

    for (size_t k = a + 1; k <= b; k++) {
        const double v = ss[k];
        if (dir >= 0 && v > ss[hi_i])
            hi_i = k;
        if (dir <= 0 && v < ss[lo_i])
            lo_i = k;
        if (dir >= 0 && ss[hi_i] - v >= turn_mm) {
            /* Falling by turn_mm from the high: the high turns (unless it
             * is where the run began: then the run simply starts
             * falling). */
            if (hi_i != from) {
                rc = add_span(pl, t_s, ss, from, hi_i, turn_mm);
                if (rc != RMAT_OK)
                    return rc;
                from = hi_i;
            }
            dir = -1;
            lo_i = k;
        } else if (dir <= 0 && v - ss[lo_i] >= turn_mm) {
            if (lo_i != from) {
                rc = add_span(pl, t_s, ss, from, lo_i, turn_mm);
                if (rc != RMAT_OK)
                    return rc;
                from = lo_i;
            }
            dir = 1;
            hi_i = k;
        }
    }
    return add_span(pl, t_s, ss, from, b, turn_mm);
}

int rmat_passes_find(const double *t_s, const double *ss, size_t n, double turn_mm,
                     struct rmat_pass **out, size_t *n_out)
{
    struct pass_list pl = {NULL, 0, 0};
    size_t k = 0;

    if (out)
        *out = NULL;
    if (n_out)
        *n_out = 0;
    if (!out || !n_out || (n > 0 && (!t_s || !ss)) || !(turn_mm > 0) || isinf(turn_mm))
        return RMAT_E_ARG;
    while (k < n) {
        if (isnan(ss[k])) {
            k++;
            continue;
        }
        size_t b = k;
        while (b + 1 < n && !isnan(ss[b + 1]))
            b++;
        if (run_passes(&pl, t_s, ss, k, b, turn_mm) != RMAT_OK) {
            free(pl.v);
            return RMAT_E_NOMEM;
        }
        k = b + 1;
    }
    *out = pl.v;
    *n_out = pl.n;
    return RMAT_OK;
}

/* The k-th smallest of v[0..n) (0-based), partly reordering v: Hoare's
 * selection, O(n) on average, where sorting each pass's frames for its
 * median cost more than the rest of the pass statistics. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                const double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

double rmat_median(double *v, size_t n)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (!isnan(v[k]))
            v[m++] = v[k];
    if (m == 0)
        return NAN;
    const double upper = select_kth(v, m, m / 2);
    if (m % 2)
        return upper;
    /* The lower middle value is the largest of those left below. */
    double lower = v[0];
    for (size_t k = 1; k < m / 2; k++)
        lower = v[k] > lower ? v[k] : lower;
    return 0.5 * (lower + upper);
}

void rmat_pass_stats(const struct rmat_frame_metrics *m, struct rmat_pass *p, double *scratch)
{
    struct rmat_span_means sm;
    size_t nc = 0;

    rmat_span_means(m, p->first, p->last, &sm);
    for (size_t k = p->first; k <= p->last; k++)
        scratch[nc++] = m[k].compliance_mm3_n;
    p->mean_force_n = sm.force_n;
    p->mean_kpa = sm.mean_kpa;
    p->mean_area_cm2 = sm.area_cm2;
    p->mean_width_mm = sm.width_mm;
    p->peak_kpa = sm.peak_kpa;
    p->compliance_mm3_n = rmat_median(scratch, nc);
}
