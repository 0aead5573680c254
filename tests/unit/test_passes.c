/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the rolling axis, s_mm, smoothing and pass detection
 * (analysis/passes.c; docs/metrics.md "Per frame" s_mm and "Passes"). Every
 * expected number is worked out by hand in the comment beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/passes.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

/* A deterministic noise in [-amp, amp]. */
static double noise(uint32_t *s, double amp)
{
    *s = *s * 1664525u + 1013904223u;
    return amp * (2.0 * (double)(*s >> 8) / 16777216.0 - 1.0);
}

static void test_passes_axis_of_rotated_stroke(void **state)
{
    (void)state;
    /* CoPs on a line through (100, 50) at 30 degrees, k mm from it for
     * k = -50..50, with NaN (no contact) frames between: the mean is
     * (100, 50), the major axis (cos 30, sin 30) and s = k. */
    double x[202], y[202], s[202], mx, my, ux, uy;
    const double c = cos(M_PI / 6), sn = sin(M_PI / 6);
    size_t n = 0;
    for (int k = -50; k <= 50; k++) {
        x[n] = 100 + k * c;
        y[n] = 50 + k * sn;
        n++;
        x[n] = y[n] = NAN;
        n++;
    }
    assert_int_equal(rmat_rolling_axis(x, y, n, &mx, &my, &ux, &uy), 101);
    near("mean x", mx, 100, 1e-12);
    near("mean y", my, 50, 1e-12);
    near("ux", ux, c, 1e-12);
    near("uy", uy, sn, 1e-12);
    rmat_s_along(x, y, n, mx, my, ux, uy, s);
    for (size_t k = 0; k < n; k++) {
        if (k % 2)
            assert_true(isnan(s[k]));
        else
            near("s", s[k], (double)k / 2 - 50, 1e-12);
    }
    /* Walked the other way, the axis is the same (its larger component is
     * positive): s keeps its sign convention. */
    for (size_t k = 0; k < n; k += 2) {
        x[k] = 200 - x[k];
        y[k] = 100 - y[k];
    }
    rmat_rolling_axis(x, y, n, &mx, &my, &ux, &uy);
    near("ux mirrored", ux, c, 1e-12);
    near("uy mirrored", uy, sn, 1e-12);
    /* Along y, downwards: u = (0, 1), s growing with y. */
    for (size_t k = 0; k < 10; k++) {
        x[k] = 7;
        y[k] = 300 - 10.0 * (double)k;
    }
    rmat_rolling_axis(x, y, 10, &mx, &my, &ux, &uy);
    near("ux along y", ux, 0, 1e-15);
    near("uy along y", uy, 1, 1e-15);
    /* No contact at all. */
    x[0] = y[0] = NAN;
    assert_int_equal(rmat_rolling_axis(x, y, 1, &mx, &my, &ux, &uy), 0);
    assert_true(isnan(mx) && ux == 0 && uy == 1);
}

static void test_passes_smoothing_by_hand(void **state)
{
    (void)state;
    /* Frames every 0.125 s (exact in binary), a window of 0.25 s: each
     * frame averages its neighbours within 0.125 s in its contact run. v =
     * 0, 1, 4, 9, 16 | no contact | 25, 36. */
    const double t[8] = {0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875};
    const double v[8] = {0, 1, 4, 9, 16, NAN, 25, 36};
    const double want[8] = {0.5, 5.0 / 3, 14.0 / 3, 29.0 / 3, 12.5, NAN, 30.5, 30.5};
    double out[8];
    rmat_smooth_contact(t, v, 8, 0.25, out);
    for (int k = 0; k < 8; k++) {
        if (isnan(want[k]))
            assert_true(isnan(out[k]));
        else
            near("smoothed", out[k], want[k], 1e-12);
    }
    /* A zero window copies. */
    rmat_smooth_contact(t, v, 8, 0, out);
    assert_true(out[4] == 16 && isnan(out[5]));
}

/* A triangle: s rises 0 -> 100 mm in 1 s, falls back in 1 s, rises again
 * in 1 s; 301 frames at 100 Hz. */
static void triangle(double *t, double *s, size_t n, double amp_noise, uint32_t seed)
{
    for (size_t k = 0; k < n; k++) {
        const double tt = (double)k / 100.0;
        const double ph = fmod(tt, 2.0);
        t[k] = tt;
        s[k] = (ph <= 1.0 ? 100.0 * ph : 100.0 * (2.0 - ph)) + noise(&seed, amp_noise);
    }
}

static void test_passes_triangle(void **state)
{
    (void)state;
    double t[301], s[301];
    struct rmat_pass *p = NULL;
    size_t n = 0;

    triangle(t, s, 301, 0, 1);
    assert_int_equal(rmat_passes_find(t, s, 301, 15, &p, &n), RMAT_OK);
    /* Turning points at the extremes, t = 1 and 2: passes 0-1 s up, 1-2 s
     * down, 2-3 s up, each 100 mm at 100 mm/s. */
    assert_int_equal(n, 3);
    const double t0[3] = {0, 1, 2};
    for (int k = 0; k < 3; k++) {
        near("start", p[k].t_start_s, t0[k], 1e-12);
        near("end", p[k].t_end_s, t0[k] + 1, 1e-12);
        assert_int_equal(p[k].direction, k == 1 ? -1 : 1);
        near("amplitude", p[k].amplitude_mm, 100, 1e-9);
        near("speed", p[k].speed_mm_s, 100, 1e-9);
        assert_true(isnan(p[k].mean_force_n)); /* until rmat_pass_stats() */
    }
    assert_int_equal(p[0].first, 0);
    assert_int_equal(p[0].last, 100);
    assert_int_equal(p[1].first, 100);
    free(p);
}

static void test_passes_hysteresis_on_noise(void **state)
{
    (void)state;
    double t[301], s[301], ss[301];
    struct rmat_pass *p = NULL;
    size_t n = 0;

    /* +-6 mm of noise, smoothed over 0.2 s: wiggles stay far below 15 mm,
     * so the same three passes, turning within 0.05 s of the truth. */
    triangle(t, s, 301, 6.0, 7);
    rmat_smooth_contact(t, s, 301, 0.2, ss);
    assert_int_equal(rmat_passes_find(t, ss, 301, 15, &p, &n), RMAT_OK);
    assert_int_equal(n, 3);
    near("turn 1", p[0].t_end_s, 1.0, 0.05);
    near("turn 2", p[1].t_end_s, 2.0, 0.05);
    free(p);
    /* Even unsmoothed, +-6 mm (at most 12 mm peak to peak) never turns. */
    assert_int_equal(rmat_passes_find(t, s, 301, 15, &p, &n), RMAT_OK);
    assert_int_equal(n, 3);
    free(p);

    /* Noise alone, +-7 mm around a point: never 15 mm from an extreme, so
     * no pass at all. */
    uint32_t seed = 3;
    for (size_t k = 0; k < 301; k++)
        s[k] = 50 + noise(&seed, 7.0);
    assert_int_equal(rmat_passes_find(t, s, 301, 15, &p, &n), RMAT_OK);
    assert_int_equal(n, 0);
    assert_null(p);

    /* A stroke 0 -> 100 mm with a dip of 10 mm half way: one pass. With a
     * dip of 20 mm: up to 50, down to 30, up to 100 - three passes, the
     * middle one 20 mm. */
    for (int dip = 10; dip <= 20; dip += 10) {
        size_t m = 0;
        for (int k = 0; k <= 50; k++, m++)
            s[m] = k;
        for (int k = 1; k <= dip; k++, m++)
            s[m] = 50 - k;
        for (int k = 50 - dip + 1; k <= 100; k++, m++)
            s[m] = k;
        assert_int_equal(rmat_passes_find(t, s, m, 15, &p, &n), RMAT_OK);
        assert_int_equal(n, dip == 10 ? 1 : 3);
        if (dip == 20) {
            near("middle amplitude", p[1].amplitude_mm, 20, 1e-12);
            assert_int_equal(p[1].direction, -1);
        } else {
            near("one amplitude", p[0].amplitude_mm, 100, 1e-12);
        }
        free(p);
    }
}

static void test_passes_split_by_lift_and_short_ends(void **state)
{
    (void)state;
    /* Two contact runs. The first goes 0 -> 100 mm: one pass. After a
     * lift the second starts at 100, rises to 110 and falls to 60: its
     * first span, 100 -> 110, moves under 15 mm and is no pass; the turn
     * at 110 starts a 50 mm pass down to the end of contact. */
    double t[40], s[40];
    struct rmat_pass *p = NULL;
    size_t n = 0, m = 0;
    for (int k = 0; k <= 10; k++, m++)
        s[m] = 10.0 * k; /* 0..100 */
    s[m++] = NAN;
    s[m++] = NAN;
    for (int k = 0; k <= 10; k++, m++)
        s[m] = 100 + k; /* 100..110 */
    for (int k = 1; k <= 10; k++, m++)
        s[m] = 110 - 5.0 * k; /* ..60 */
    for (size_t k = 0; k < m; k++)
        t[k] = 0.1 * (double)k;
    assert_int_equal(rmat_passes_find(t, s, m, 15, &p, &n), RMAT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].first, 0);
    assert_int_equal(p[0].last, 10);
    near("second start", p[1].t_start_s, t[23], 1e-12);
    assert_int_equal(p[1].last, m - 1);
    near("second amplitude", p[1].amplitude_mm, 50, 1e-12);
    free(p);
    /* Bad arguments. */
    assert_int_equal(rmat_passes_find(t, s, m, 0, &p, &n), RMAT_E_ARG);
    assert_int_equal(rmat_passes_find(t, s, m, NAN, &p, &n), RMAT_E_ARG);
    assert_int_equal(rmat_passes_find(NULL, s, m, 15, &p, &n), RMAT_E_ARG);
}

static void test_passes_stats_and_median(void **state)
{
    (void)state;
    struct rmat_frame_metrics m[5];
    struct rmat_pass p;
    double scratch[5];
    memset(m, 0, sizeof m);
    /* Five frames: force 1..5 (mean 3), mean_kpa 10..50 (mean 30), peaks
     * 7, 9, 8, 1, 2 (largest 9), areas 2 each, widths 4, 4, 4, 4, 9 (mean
     * 5), compliances 5, 1, 4, 2, 3 (median 3). */
    const double cmp[5] = {5, 1, 4, 2, 3}, pk[5] = {7, 9, 8, 1, 2}, w[5] = {4, 4, 4, 4, 9};
    for (int k = 0; k < 5; k++) {
        m[k].force_n = k + 1;
        m[k].mean_kpa = 10.0 * (k + 1);
        m[k].peak_kpa = pk[k];
        m[k].area_cm2 = 2;
        m[k].width_mm = w[k];
        m[k].compliance_mm3_n = cmp[k];
        m[k].contact_sensels = 3;
    }
    memset(&p, 0, sizeof p);
    p.first = 0;
    p.last = 4;
    rmat_pass_stats(m, &p, scratch);
    near("force", p.mean_force_n, 3, 1e-15);
    near("mean kpa", p.mean_kpa, 30, 1e-15);
    near("peak", p.peak_kpa, 9, 0);
    near("area", p.mean_area_cm2, 2, 0);
    near("width", p.mean_width_mm, 5, 1e-15);
    near("median compliance", p.compliance_mm3_n, 3, 0);
    /* Even count: the mean of the middle two; NaN skipped. */
    double v[5] = {4, NAN, 1, 3, 2};
    near("median even", rmat_median(v, 5), 2.5, 0);
    double none[2] = {NAN, NAN};
    assert_true(isnan(rmat_median(none, 2)));
    /* Against sorting, on arrays of 1 to 60 values with many repeats. */
    uint32_t seed = 17;
    for (int n = 1; n <= 60; n++) {
        for (int trial = 0; trial < 20; trial++) {
            double a[60], b[60];
            for (int k = 0; k < n; k++) {
                seed = seed * 1664525u + 1013904223u;
                a[k] = b[k] = (double)((seed >> 20) % 7);
            }
            for (int x = 1; x < n; x++) /* insertion sort of b */
                for (int y = x; y > 0 && b[y - 1] > b[y]; y--) {
                    const double t = b[y];
                    b[y] = b[y - 1];
                    b[y - 1] = t;
                }
            const double want = n % 2 ? b[n / 2] : 0.5 * (b[n / 2 - 1] + b[n / 2]);
            near("median vs sort", rmat_median(a, (size_t)n), want, 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes_axis_of_rotated_stroke),
        cmocka_unit_test(test_passes_smoothing_by_hand),
        cmocka_unit_test(test_passes_triangle),
        cmocka_unit_test(test_passes_hysteresis_on_noise),
        cmocka_unit_test(test_passes_split_by_lift_and_short_ends),
        cmocka_unit_test(test_passes_stats_and_median),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
