/* Holds (holds.h; docs/metrics.md "Holds").
 *
 * A window of frames [i, j] slides along each contact run (two pointers):
 * j takes the next frame, and while some CoP of the window lies farther
 * than the radius from the window's mean, i lets go of the oldest. So for
 * every j the window is the longest run ending at j that qualifies. Where
 * such windows last at least min_s, one after another, they are one hold's
 * candidates; the longest of them is the hold, and the scan starts afresh
 * after it (the frames beyond it may hold another).
 *
 * Checking "every CoP within the radius of the mean" exactly costs a scan
 * of the window, and the mean moves with every frame. A bound saves nearly
 * all of those scans: with D the largest distance of the window's points
 * from the mean m0 of the last scan, every point lies within D + |m - m0|
 * of the mean m now (the triangle inequality); new points raise D by their
 * own distance to m0, and dropped points can only lower it. Only when the
 * bound exceeds the radius is the window scanned again (and m0, D reset).
 * During a hold the points sit well inside the radius and the bound holds
 * for seconds at a time.
 */
#include "rollmat/holds.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

struct window {
    size_t i;      /* first frame */
    double sx, sy; /* sums of the CoP */
    size_t n;
    double m0x, m0y; /* the mean at the last exact scan */
    double d;        /* every point lies within d of (m0x, m0y) */
};

static void window_reset(struct window *w, const double *x, const double *y, size_t k)
{
    w->i = k;
    w->sx = x[k];
    w->sy = y[k];
    w->n = 1;
    w->m0x = x[k];
    w->m0y = y[k];
    w->d = 0.0;
}

/* Adds frame j and drops frames from the front until the window
 * qualifies (a single frame always does). */
static void window_push(struct window *w, const double *x, const double *y, size_t j, double radius)
{
    w->sx += x[j];
    w->sy += y[j];
    w->n++;
    /* sqrt of squares, not hypot(): CoPs are millimetres, nowhere near
     * overflow, and hypot() is a slow call. */
    {
        const double ex = x[j] - w->m0x, ey = y[j] - w->m0y;
        const double d = sqrt(ex * ex + ey * ey);
        w->d = d > w->d ? d : w->d;
    }
    for (;;) {
        const double mx = w->sx / (double)w->n, my = w->sy / (double)w->n;
        const double sx = mx - w->m0x, sy = my - w->m0y; /* the mean's shift */
        if (w->d + sqrt(sx * sx + sy * sy) <= radius)
            return;
        /* The bound fails: measure. */
        double dmax = 0.0;
        for (size_t k = w->i; k <= j; k++) {
            const double ex = x[k] - mx, ey = y[k] - my;
            const double e2 = ex * ex + ey * ey;
            dmax = e2 > dmax ? e2 : dmax;
        }
        w->m0x = mx;
        w->m0y = my;
        w->d = sqrt(dmax);
        if (w->d <= radius)
            return;
        w->sx -= x[w->i];
        w->sy -= y[w->i];
        w->n--;
        w->i++;
    }
}

struct hold_list {
    struct rmat_hold *v;
    size_t n, cap;
};

static int emit(struct hold_list *hl, const double *t_s, const double *x, const double *y,
                size_t first, size_t last)
{
    struct rmat_hold *h;
    double sx = 0.0, sy = 0.0;

    if (hl->n == hl->cap) {
        const size_t nc = hl->cap ? hl->cap * 2 : 16;
        struct rmat_hold *v = realloc(hl->v, nc * sizeof *v);
        if (!v)
            return RMAT_E_NOMEM;
        hl->v = v;
        hl->cap = nc;
    }
    for (size_t k = first; k <= last; k++) {
        sx += x[k];
        sy += y[k];
    }
    h = &hl->v[hl->n++];
    h->first = first;
    h->last = last;
    h->t_start_s = t_s[first];
    h->duration_s = t_s[last] - t_s[first];
    h->x_mm = sx / (double)(last - first + 1);
    h->y_mm = sy / (double)(last - first + 1);
    h->mean_force_n = h->mean_kpa = h->peak_kpa = h->area_change_pct = NAN;
    h->region = -1;
    return RMAT_OK;
}

int rmat_holds_find(const double *t_s, const double *x, const double *y, size_t n, double radius_mm,
                    double min_s, struct rmat_hold **out, size_t *n_out)
{
    struct hold_list hl = {NULL, 0, 0};
    size_t k = 0;

    if (out)
        *out = NULL;
    if (n_out)
        *n_out = 0;
    if (!out || !n_out || (n > 0 && (!t_s || !x || !y)) || !(radius_mm >= 0) || !(min_s >= 0) ||
        isinf(radius_mm) || isinf(min_s))
        return RMAT_E_ARG;
    while (k < n) {
        if (isnan(x[k]) || isnan(y[k])) {
            k++;
            continue;
        }
        size_t b = k; /* the contact run [k, b] */
        while (b + 1 < n && !isnan(x[b + 1]) && !isnan(y[b + 1]))
            b++;
        struct window w;
        size_t j = k, best_i = 0, best_j = 0;
        int have = 0;
        window_reset(&w, x, y, k);
        for (;;) {
            /* The window [w.i, j] is the longest qualifying run ending at j. */
            const int long_enough = j > w.i && t_s[j] - t_s[w.i] >= min_s;
            if (long_enough && (!have || t_s[j] - t_s[w.i] > t_s[best_j] - t_s[best_i])) {
                best_i = w.i;
                best_j = j;
                have = 1;
            }
            if (have && (!long_enough || j == b)) {
                /* The candidates end: the longest is the hold; look again
                 * from the frame after it. */
                if (emit(&hl, t_s, x, y, best_i, best_j) != RMAT_OK) {
                    free(hl.v);
                    return RMAT_E_NOMEM;
                }
                have = 0;
                if (best_j >= b)
                    break;
                j = best_j + 1;
                window_reset(&w, x, y, j);
                continue;
            }
            if (j == b)
                break;
            j++;
            window_push(&w, x, y, j, radius_mm);
        }
        k = b + 1;
    }
    *out = hl.v;
    *n_out = hl.n;
    return RMAT_OK;
}

void rmat_hold_stats(const double *t_s, const struct rmat_frame_metrics *m, struct rmat_hold *h)
{
    const double t_end = t_s[h->last];
    struct rmat_span_means sm;
    double a_first = 0, a_last = 0;
    size_t n_first = 0, n_last = 0;

    rmat_span_means(m, h->first, h->last, &sm);
    for (size_t k = h->first; k <= h->last; k++) {
        if (t_s[k] <= h->t_start_s + 1.0) {
            a_first += m[k].area_cm2;
            n_first++;
        }
        if (t_s[k] >= t_end - 1.0) {
            a_last += m[k].area_cm2;
            n_last++;
        }
    }
    h->mean_force_n = sm.force_n;
    h->mean_kpa = sm.mean_kpa;
    h->peak_kpa = sm.peak_kpa;
    a_first = n_first ? a_first / (double)n_first : NAN;
    a_last = n_last ? a_last / (double)n_last : NAN;
    h->area_change_pct = a_first > 0 ? 100.0 * (a_last / a_first - 1.0) : NAN;
}
