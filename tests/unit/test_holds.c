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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds_staircase),
        cmocka_unit_test(test_holds_approach_and_radius),
        cmocka_unit_test(test_holds_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
