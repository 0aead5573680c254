/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of hold detection (analysis/holds.c; docs/metrics.md "Holds"): a
 * staircase of known holds, noise inside the radius, an approach at known
 * speed, and the hold statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/holds.h"

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

static double noise(uint32_t *s, double amp)
{
    *s = *s * 1664525u + 1013904223u;
    return amp * (2.0 * (double)(*s >> 8) / 16777216.0 - 1.0);
}

/* The rule as it was written before the tracker (a whole-series scan),
 * kept here as the reference the tracker must match frame for frame. */
struct ref_window {
    size_t i;      /* first frame */
    double sx, sy; /* sums of the CoP */
    size_t n;
    double m0x, m0y; /* the mean at the last exact scan */
    double d;        /* every point lies within d of (m0x, m0y) */
};

static void ref_window_reset(struct ref_window *w, const double *x, const double *y, size_t k)
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
static void ref_window_push(struct ref_window *w, const double *x, const double *y, size_t j,
                            double radius)
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

struct ref_list {
    struct rmat_hold *v;
    size_t n, cap;
};

static int ref_emit(struct ref_list *hl, const double *t_s, const double *x, const double *y,
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

static int ref_holds_find(const double *t_s, const double *x, const double *y, size_t n,
                          double radius_mm, double min_s, struct rmat_hold **out, size_t *n_out)
{
    struct ref_list hl = {NULL, 0, 0};
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
        struct ref_window w;
        size_t j = k, best_i = 0, best_j = 0;
        int have = 0;
        ref_window_reset(&w, x, y, k);
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
                if (ref_emit(&hl, t_s, x, y, best_i, best_j) != RMAT_OK) {
                    free(hl.v);
                    return RMAT_E_NOMEM;
                }
                have = 0;
                if (best_j >= b)
                    break;
                j = best_j + 1;
                ref_window_reset(&w, x, y, j);
                continue;
            }
            if (j == b)
                break;
            j++;
            ref_window_push(&w, x, y, j, radius_mm);
        }
        k = b + 1;
    }
    *out = hl.v;
    *n_out = hl.n;
    return RMAT_OK;
}

#define N 1500 /* 15 s at 100 Hz */

static void test_holds_staircase(void **state)
{
    (void)state;
    /* The CoP jumps between steps: A = (100, 100) for 0-5 s, B = (100, 300)
     * for 5-9 s, C = (100, 500) for 9-11 s, then D = (300, 500) for 11-15 s,
     * each with +-3 mm of noise (well inside 15 mm), and no contact at
     * 12.0-12.5 s. Holds of at least 3 s: A (frames 0-499: starts 0,
     * lasts 4.99 s), B (500-899: 5.00, 3.99 s), not C (1.99 s), not D's
     * first part 11.00-11.99 (0.99 s), D's second part 12.50-14.99
     * (2.49 s) neither; with hold_min_s 1.5, C and D's second part too. */
    static double t[N], x[N], y[N];
    struct rmat_hold *h = NULL;
    size_t n = 0;
    uint32_t seed = 5;
    for (int k = 0; k < N; k++) {
        t[k] = k / 100.0;
        double cx = 100, cy = k < 500 ? 100 : k < 900 ? 300 : 500;
        if (k >= 1100)
            cx = 300;
        x[k] = cx + noise(&seed, 3);
        y[k] = cy + noise(&seed, 3);
        if (k >= 1200 && k < 1250)
            x[k] = y[k] = NAN;
    }
    assert_int_equal(rmat_holds_find(t, x, y, N, 15, 3, &h, &n), RMAT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].first, 0);
    assert_int_equal(h[0].last, 499);
    near("A start", h[0].t_start_s, 0, 1e-12);
    near("A duration", h[0].duration_s, 4.99, 1e-12);
    near("A x", h[0].x_mm, 100, 0.5);
    near("A y", h[0].y_mm, 100, 0.5);
    assert_int_equal(h[1].first, 500);
    assert_int_equal(h[1].last, 899);
    near("B duration", h[1].duration_s, 3.99, 1e-12);
    near("B y", h[1].y_mm, 300, 0.5);
    assert_int_equal(h[1].region, -1);
    assert_true(isnan(h[1].mean_kpa)); /* until rmat_hold_stats() */
    free(h);

    assert_int_equal(rmat_holds_find(t, x, y, N, 15, 1.5, &h, &n), RMAT_OK);
    assert_int_equal(n, 4);
    assert_int_equal(h[2].first, 900);
    assert_int_equal(h[2].last, 1099);
    assert_int_equal(h[3].first, 1250);
    assert_int_equal(h[3].last, N - 1);
    free(h);
}

static void test_holds_approach_and_radius(void **state)
{
    (void)state;
    /* The roller comes in along y at 200 mm/s (2 mm a frame), stays at
     * y = 300 for 4 s and leaves at the same speed. The run starts at the
     * first frame from which every CoP stays within 15 mm of the run's
     * mean: the approach frames up to 14 mm out (the mean sits 0.14 mm
     * short of 300, so 14 mm is 13.86 from it; 16 mm would be 15.8).
     * That is 7 frames on each side: start 0.07 s before the arrival,
     * duration 4 s + 2 * 0.07 s. */
    static double t[N], x[N], y[N];
    struct rmat_hold *h = NULL;
    size_t n = 0;
    for (int k = 0; k < N; k++) {
        t[k] = k / 100.0;
        x[k] = 50;
        if (k < 500)
            y[k] = 300 - 2.0 * (500 - k); /* arrives at frame 500 */
        else if (k <= 900)
            y[k] = 300;
        else
            y[k] = 300 + 2.0 * (k - 900);
    }
    assert_int_equal(rmat_holds_find(t, x, y, N, 15, 3, &h, &n), RMAT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].first, 493);
    assert_int_equal(h[0].last, 907);
    near("start", h[0].t_start_s, 4.93, 1e-12);
    near("duration", h[0].duration_s, 4.14, 1e-12);
    free(h);
    /* With a radius of 0 only the frames exactly at 300 qualify. */
    assert_int_equal(rmat_holds_find(t, x, y, N, 0, 3, &h, &n), RMAT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].first, 500);
    assert_int_equal(h[0].last, 900);
    free(h);
    /* A steady slide at 1 mm/s is a string of holds: each lasts while the
     * CoP stays within 15 mm of its mean, 30 mm = 30 s... longer than the
     * 15 s here, so the whole slide is one hold. */
    for (int k = 0; k < N; k++)
        y[k] = 100 + k / 100.0;
    assert_int_equal(rmat_holds_find(t, x, y, N, 15, 3, &h, &n), RMAT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].last, N - 1);
    free(h);
    /* Bad arguments. */
    assert_int_equal(rmat_holds_find(t, x, y, N, NAN, 3, &h, &n), RMAT_E_ARG);
    assert_int_equal(rmat_holds_find(t, x, y, N, 15, -1, &h, &n), RMAT_E_ARG);
    assert_int_equal(rmat_holds_find(t, x, y, 0, 15, 3, &h, &n), RMAT_OK);
    assert_int_equal(n, 0);
}

static void test_holds_stats(void **state)
{
    (void)state;
    /* A hold of 5 s (frames 0-500 at 100 Hz): force 100 N, mean_kpa 20 but
     * 30 in frame 250, peak 40 except 55 in frame 100; area 10 cm² over
     * the first second (t <= 1: frames 0-100) and 11 cm² over the last
     * (t >= 4: frames 400-500), 10.5 between. area_change_pct = 100 *
     * (11 / 10 - 1) = 10. mean_kpa = (500 * 20 + 30) / 501. */
    static double t[501];
    static struct rmat_frame_metrics m[501];
    struct rmat_hold h;
    memset(m, 0, sizeof m);
    for (int k = 0; k <= 500; k++) {
        t[k] = k / 100.0;
        m[k].force_n = 100;
        m[k].mean_kpa = k == 250 ? 30 : 20;
        m[k].peak_kpa = k == 100 ? 55 : 40;
        m[k].area_cm2 = t[k] <= 1.0 ? 10 : t[k] >= 4.0 ? 11 : 10.5;
        m[k].contact_sensels = 5;
    }
    memset(&h, 0, sizeof h);
    h.first = 0;
    h.last = 500;
    h.t_start_s = 0;
    rmat_hold_stats(t, m, &h);
    near("force", h.mean_force_n, 100, 1e-12);
    near("mean kpa", h.mean_kpa, (500.0 * 20 + 30) / 501.0, 1e-12);
    near("peak", h.peak_kpa, 55, 0);
    near("area change", h.area_change_pct, 10, 1e-9);
}

struct seen {
    struct rmat_hold v[256];
    size_t n;
};

static int on_hold(void *ctx, const struct rmat_hold *h)
{
    struct seen *s = ctx;
    if (s->n < 256)
        s->v[s->n] = *h;
    s->n++;
    return 0;
}

static void test_holds_tracker_matches_whole_series(void **state)
{
    (void)state;
    /* Random walks with pauses, jumps and contact gaps: the tracker, fed
     * frame by frame, reports exactly the holds of the whole-series scan
     * (the rule as written before the tracker), and the hold in progress
     * starts where the reported hold starts. */
    enum { M = 6000 };
    static double t[M], x[M], y[M];
    size_t total = 0;
    for (uint32_t trial = 0; trial < 40; trial++) {
        uint32_t seed = 17 + trial;
        double cx = 200, cy = 200;
        struct rmat_hold *ref = NULL;
        size_t n_ref = 0, cur_first = 0;
        struct seen seen = {.n = 0};
        struct rmat_hold_tracker *tr = NULL;
        int moving = 1;
        for (int k = 0; k < M; k++) {
            t[k] = k / 100.0 + (trial % 3 == 0 ? noise(&seed, 0.002) : 0.0);
            if (k % 150 == 0)
                moving = noise(&seed, 1) > -0.2;
            if (moving) {
                cx += noise(&seed, 4);
                cy += 2.0 + noise(&seed, 3);
            }
            x[k] = cx + noise(&seed, 6);
            y[k] = cy + noise(&seed, 6);
            if (noise(&seed, 1) > 0.995)
                x[k] = NAN; /* a dropped contact frame */
        }
        assert_int_equal(ref_holds_find(t, x, y, M, 15, trial % 2 ? 3 : 1.5, &ref, &n_ref),
                         RMAT_OK);
        assert_int_equal(rmat_hold_tracker_new(15, trial % 2 ? 3 : 1.5, on_hold, &seen, &tr),
                         RMAT_OK);
        for (int k = 0; k < M; k++) {
            const size_t before = seen.n;
            assert_int_equal(rmat_hold_tracker_push(tr, t[k], x[k], y[k]), RMAT_OK);
            size_t first;
            double ts;
            if (rmat_hold_tracker_current(tr, &first, &ts)) {
                assert_true(t[k] - ts >= (trial % 2 ? 3 : 1.5));
                near("current start", ts, t[first], 0);
                cur_first = first;
            }
            /* A hold reported here began where a hold in progress was shown. */
            if (seen.n > before && seen.n <= 256)
                assert_true(seen.v[seen.n - 1].first <= cur_first);
        }
        assert_int_equal(rmat_hold_tracker_finish(tr), RMAT_OK);
        assert_int_equal(seen.n, n_ref);
        assert_true(n_ref <= 256);
        total += n_ref;
        for (size_t h = 0; h < n_ref; h++) {
            assert_int_equal(seen.v[h].first, ref[h].first);
            assert_int_equal(seen.v[h].last, ref[h].last);
            near("x", seen.v[h].x_mm, ref[h].x_mm, 1e-9);
            near("y", seen.v[h].y_mm, ref[h].y_mm, 1e-9);
            near("dur", seen.v[h].duration_s, ref[h].duration_s, 0);
        }
        rmat_hold_tracker_free(tr);
        free(ref);
    }
    assert_true(total >= 100); /* the series do hold */
}

static void test_holds_tracker_current(void **state)
{
    (void)state;
    /* Rolling at 100 mm/s, then a 10 s hold from t = 5 s, then rolling on:
     * the hold is in progress from the first frame at which it has lasted
     * 3 s, its start the reported hold's start, and it is reported as soon
     * as the roller has left the radius. */
    struct seen seen = {.n = 0};
    struct rmat_hold_tracker *tr = NULL;
    int shown_at = -1;
    size_t first = 0;
    double ts = NAN;
    assert_int_equal(rmat_hold_tracker_new(15, 3, on_hold, &seen, &tr), RMAT_OK);
    for (int k = 0; k < 2000; k++) {
        const double tk = k / 100.0;
        const double yk = tk < 5 ? 100 + 100 * tk : tk < 15 ? 600 : 600 + 100 * (tk - 15);
        assert_int_equal(rmat_hold_tracker_push(tr, tk, 100, yk), RMAT_OK);
        if (shown_at < 0 && rmat_hold_tracker_current(tr, &first, &ts))
            shown_at = k;
        if (seen.n == 1) {
            assert_true(k < 1540);
            break;
        }
    }
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.v[0].first, first);
    near("start", seen.v[0].t_start_s, ts, 0);
    near("shown 3 s after the start", shown_at / 100.0 - ts, 3, 0.011);
    rmat_hold_tracker_reset(tr);
    assert_int_equal(rmat_hold_tracker_current(tr, NULL, NULL), 0);
    rmat_hold_tracker_free(tr);
    assert_int_equal(rmat_hold_tracker_new(NAN, 3, NULL, NULL, &tr), RMAT_E_ARG);
    assert_null(tr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds_staircase),
        cmocka_unit_test(test_holds_approach_and_radius),
        cmocka_unit_test(test_holds_stats),
        cmocka_unit_test(test_holds_tracker_matches_whole_series),
        cmocka_unit_test(test_holds_tracker_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
