/* SPDX-License-Identifier: GPL-3.0-or-later */
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
 *
 * The scan is a tracker fed one frame at a time (the live view's), and
 * rmat_holds_find() runs it over the arrays: one copy of the rule. The
 * tracker keeps the frames from the window's (or the candidates') first on,
 * since a scan that starts afresh after a hold goes back to the frame after
 * it.
 */
#include "rollmat/holds.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/err.h"

/* The frames kept: [base, base + n), absolute frame indices (counted from
 * the first pushed). */
struct buf {
    double *t, *x, *y;
    size_t base, n, cap;
};

struct window {
    size_t i;      /* first frame */
    double sx, sy; /* sums of the CoP */
    size_t n;
    double m0x, m0y; /* the mean at the last exact scan */
    double d;        /* every point lies within d of (m0x, m0y) */
};

struct rmat_hold_tracker {
    double radius, min_s;
    rmat_hold_fn on_hold;
    void *ctx;
    struct buf b;
    size_t next; /* index of the next frame pushed */
    int in_run;  /* the last frame pushed was in contact */
    size_t j;    /* the frame the scan is at (its step done) */
    struct window w;
    int have; /* candidates since best_i */
    size_t best_i, best_j;
    int long_enough; /* the window at j qualifies */
};

#define BX(b, k) ((b)->x[(k) - (b)->base])
#define BY(b, k) ((b)->y[(k) - (b)->base])
#define BT(b, k) ((b)->t[(k) - (b)->base])

static void window_reset(struct window *w, const struct buf *b, size_t k)
{
    w->i = k;
    w->sx = BX(b, k);
    w->sy = BY(b, k);
    w->n = 1;
    w->m0x = BX(b, k);
    w->m0y = BY(b, k);
    w->d = 0.0;
}

/* Adds frame j and drops frames from the front until the window
 * qualifies (a single frame always does). */
static void window_push(struct window *w, const struct buf *b, size_t j, double radius)
{
    w->sx += BX(b, j);
    w->sy += BY(b, j);
    w->n++;
    /* sqrt of squares, not hypot(): CoPs are millimetres, nowhere near
     * overflow, and hypot() is a slow call. */
    {
        const double ex = BX(b, j) - w->m0x, ey = BY(b, j) - w->m0y;
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
            const double ex = BX(b, k) - mx, ey = BY(b, k) - my;
            const double e2 = ex * ex + ey * ey;
            dmax = e2 > dmax ? e2 : dmax;
        }
        w->m0x = mx;
        w->m0y = my;
        w->d = sqrt(dmax);
        if (w->d <= radius)
            return;
        w->sx -= BX(b, w->i);
        w->sy -= BY(b, w->i);
        w->n--;
        w->i++;
    }
}

static int emit(struct rmat_hold_tracker *tr, size_t first, size_t last)
{
    const struct buf *b = &tr->b;
    struct rmat_hold h;
    double sx = 0.0, sy = 0.0;

    for (size_t k = first; k <= last; k++) {
        sx += BX(b, k);
        sy += BY(b, k);
    }
    h.first = first;
    h.last = last;
    h.t_start_s = BT(b, first);
    h.duration_s = BT(b, last) - BT(b, first);
    h.x_mm = sx / (double)(last - first + 1);
    h.y_mm = sy / (double)(last - first + 1);
    h.mean_force_n = h.mean_kpa = h.peak_kpa = h.area_change_pct = NAN;
    h.region = -1;
    return tr->on_hold ? tr->on_hold(tr->ctx, &h) : 0;
}

/* The scan, from frame tr->j (whose step is not done yet) to the last
 * frame kept: at every frame the window is the longest qualifying run
 * ending there; where such windows last at least min_s one after another
 * they are one hold's candidates, and when they end (a window too short,
 * or the end of the contact run when final) the longest is the hold, and
 * the scan starts afresh at the frame after it. Without final the last
 * frame kept may not be the run's last: the scan stops there and waits.
 * Stepping the same last frame twice changes nothing, so the run's end is
 * a final scan from it. */
static int scan(struct rmat_hold_tracker *tr, int final)
{
    const struct buf *b = &tr->b;
    const size_t last = b->base + b->n - 1;
    for (;;) {
        const size_t j = tr->j;
        const int long_enough = j > tr->w.i && BT(b, j) - BT(b, tr->w.i) >= tr->min_s;
        tr->long_enough = long_enough;
        if (long_enough &&
            (!tr->have || BT(b, j) - BT(b, tr->w.i) > BT(b, tr->best_j) - BT(b, tr->best_i))) {
            tr->best_i = tr->w.i;
            tr->best_j = j;
            tr->have = 1;
        }
        if (tr->have && (!long_enough || (final && j == last))) {
            const int rc = emit(tr, tr->best_i, tr->best_j);
            tr->have = 0;
            tr->long_enough = 0;
            if (rc != 0)
                return rc;
            if (tr->best_j >= last) /* final: the run is done */
                return RMAT_OK;
            tr->j = tr->best_j + 1;
            window_reset(&tr->w, b, tr->j);
            continue;
        }
        if (j == last)
            return RMAT_OK;
        tr->j = j + 1;
        window_push(&tr->w, b, tr->j, tr->radius);
    }
}

/* Drops the frames no later scan can reach: those before the window and
 * before the candidates' first frame. */
static void trim(struct rmat_hold_tracker *tr)
{
    struct buf *b = &tr->b;
    const size_t keep = tr->have && tr->best_i < tr->w.i ? tr->best_i : tr->w.i;
    const size_t drop = keep - b->base;
    /* Moved once half the buffer is dead: O(1) a frame on average. */
    if (drop == 0 || drop < b->n / 2)
        return;
    memmove(b->t, b->t + drop, (b->n - drop) * sizeof *b->t);
    memmove(b->x, b->x + drop, (b->n - drop) * sizeof *b->x);
    memmove(b->y, b->y + drop, (b->n - drop) * sizeof *b->y);
    b->base += drop;
    b->n -= drop;
}

static int append(struct buf *b, double t_s, double x, double y)
{
    if (b->n == b->cap) {
        const size_t nc = b->cap ? b->cap * 2 : 256;
        double *nt = realloc(b->t, nc * sizeof *nt);
        if (!nt)
            return RMAT_E_NOMEM;
        b->t = nt;
        double *nx = realloc(b->x, nc * sizeof *nx);
        if (!nx)
            return RMAT_E_NOMEM;
        b->x = nx;
        double *ny = realloc(b->y, nc * sizeof *ny);
        if (!ny)
            return RMAT_E_NOMEM;
        b->y = ny;
        b->cap = nc;
    }
    b->t[b->n] = t_s;
    b->x[b->n] = x;
    b->y[b->n] = y;
    b->n++;
    return RMAT_OK;
}

int rmat_hold_tracker_new(double radius_mm, double min_s, rmat_hold_fn on_hold, void *ctx,
                          struct rmat_hold_tracker **out)
{
    struct rmat_hold_tracker *tr;

    if (!out)
        return RMAT_E_ARG;
    *out = NULL;
    if (!(radius_mm >= 0) || !(min_s >= 0) || isinf(radius_mm) || isinf(min_s))
        return RMAT_E_ARG;
    tr = calloc(1, sizeof *tr);
    if (!tr)
        return RMAT_E_NOMEM;
    tr->radius = radius_mm;
    tr->min_s = min_s;
    tr->on_hold = on_hold;
    tr->ctx = ctx;
    *out = tr;
    return RMAT_OK;
}

void rmat_hold_tracker_free(struct rmat_hold_tracker *t)
{
    if (!t)
        return;
    free(t->b.t);
    free(t->b.x);
    free(t->b.y);
    free(t);
}

void rmat_hold_tracker_reset(struct rmat_hold_tracker *t)
{
    t->b.base = t->b.n = 0;
    t->next = 0;
    t->in_run = t->have = t->long_enough = 0;
}

int rmat_hold_tracker_finish(struct rmat_hold_tracker *t)
{
    int rc = RMAT_OK;
    if (t->in_run)
        rc = scan(t, 1);
    t->in_run = t->have = t->long_enough = 0;
    t->b.base = t->next;
    t->b.n = 0;
    return rc;
}

int rmat_hold_tracker_push(struct rmat_hold_tracker *t, double t_s, double x, double y)
{
    const size_t k = t->next;
    int rc;

    if (isnan(x) || isnan(y)) {
        rc = rmat_hold_tracker_finish(t);
        t->next++;
        t->b.base = t->next;
        return rc;
    }
    rc = append(&t->b, t_s, x, y);
    if (rc != RMAT_OK)
        return rc;
    t->next++;
    if (!t->in_run) {
        t->in_run = 1;
        t->have = 0;
        t->j = k;
        window_reset(&t->w, &t->b, k);
    } else {
        t->j = k;
        window_push(&t->w, &t->b, k, t->radius);
    }
    rc = scan(t, 0);
    trim(t);
    return rc;
}

int rmat_hold_tracker_current(const struct rmat_hold_tracker *t, size_t *first, double *t_start_s)
{
    if (!t->in_run || !t->long_enough)
        return 0;
    if (first)
        *first = t->w.i;
    if (t_start_s)
        *t_start_s = BT(&t->b, t->w.i);
    return 1;
}

struct hold_list {
    struct rmat_hold *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct rmat_hold *h)
{
    struct hold_list *hl = ctx;
    if (hl->n == hl->cap) {
        const size_t nc = hl->cap ? hl->cap * 2 : 16;
        struct rmat_hold *v = realloc(hl->v, nc * sizeof *v);
        if (!v)
            return RMAT_E_NOMEM;
        hl->v = v;
        hl->cap = nc;
    }
    hl->v[hl->n++] = *h;
    return RMAT_OK;
}

int rmat_holds_find(const double *t_s, const double *x, const double *y, size_t n, double radius_mm,
                    double min_s, struct rmat_hold **out, size_t *n_out)
{
    struct hold_list hl = {NULL, 0, 0};
    struct rmat_hold_tracker *tr = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (n_out)
        *n_out = 0;
    if (!out || !n_out || (n > 0 && (!t_s || !x || !y)))
        return RMAT_E_ARG;
    rc = rmat_hold_tracker_new(radius_mm, min_s, collect, &hl, &tr);
    if (rc != RMAT_OK)
        return rc;
    for (size_t k = 0; k < n && rc == RMAT_OK; k++)
        rc = rmat_hold_tracker_push(tr, t_s[k], x[k], y[k]);
    if (rc == RMAT_OK)
        rc = rmat_hold_tracker_finish(tr);
    rmat_hold_tracker_free(tr);
    if (rc != RMAT_OK) {
        free(hl.v);
        return rc;
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
