/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the per-frame metrics (analysis/metrics.c, docs/metrics.md "Per frame").
 *
 * Every expected number is derived by hand in the comment beside it, from
 * docs/metrics.md's definitions, or computed by brute_force() below, which works
 * from a list of (x, y, p) points in long double with the one-pass moment
 * formulas and a Jacobi rotation for the eigenvalues: none of the code under
 * test's two-pass sums, index-space positions or closed-form eigenvalues.
 * One test checks against physics instead: the Hertz line contact, whose
 * compliance docs/metrics.md says is 12 R / (pi E*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/metrics.h"

/* |got - want| <= abs_tol + rel_tol * |want|; NaN only equals NaN. */
static void check_close(const char *what, double got, double want, double rel_tol, double abs_tol)
{
    if (isnan(want)) {
        if (!isnan(got)) {
            print_error("%s: got %.17g, want NaN\n", what, got);
            fail();
        }
        return;
    }
    if (!(fabs(got - want) <= abs_tol + rel_tol * fabs(want))) {
        print_error("%s: got %.17g, want %.17g (diff %.3g)\n", what, got, want, got - want);
        fail();
    }
}

#define EXACTISH 1e-12 /* relative: a few roundings of the sums */

static double *frame_new(const struct rmat_grid *g)
{
    double *p = calloc((size_t)g->rows * (size_t)g->cols, sizeof *p);
    assert_non_null(p);
    return p;
}

static void set_p(const struct rmat_grid *g, double *p, int i, int j, double v)
{
    p[(size_t)i * (size_t)g->cols + (size_t)j] = v;
}

static void check_metrics(const struct rmat_frame_metrics *m, const struct rmat_frame_metrics *w,
                          double rel)
{
    assert_int_equal(m->contact_sensels, w->contact_sensels);
    check_close("force_n", m->force_n, w->force_n, rel, 1e-12);
    check_close("area_cm2", m->area_cm2, w->area_cm2, rel, 1e-12);
    check_close("mean_kpa", m->mean_kpa, w->mean_kpa, rel, 1e-12);
    check_close("peak_kpa", m->peak_kpa, w->peak_kpa, rel, 1e-12);
    check_close("cop_x_mm", m->cop_x_mm, w->cop_x_mm, rel, 1e-9);
    check_close("cop_y_mm", m->cop_y_mm, w->cop_y_mm, rel, 1e-9);
    check_close("width_mm", m->width_mm, w->width_mm, rel, 1e-9);
    check_close("length_mm", m->length_mm, w->length_mm, rel, 1e-9);
    check_close("compliance_mm3_n", m->compliance_mm3_n, w->compliance_mm3_n, rel, 1e-9);
}

/* --- the independent reference -------------------------------------------- */

static void brute_force(const struct rmat_grid *g, const double *p, double thr,
                        struct rmat_frame_metrics *out)
{
    long double s = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    double peak = -INFINITY;
    int n = 0;

    for (int k = 0; k < g->rows * g->cols; k++) {
        const int i = k / g->cols, j = k % g->cols;
        const long double x = ((long double)j + 0.5L) * g->pitch_x_mm;
        const long double y = ((long double)i + 0.5L) * g->pitch_y_mm;
        if (p[k] > peak)
            peak = p[k];
        if (!(p[k] >= thr))
            continue;
        n++;
        s += p[k];
        sx += p[k] * x;
        sy += p[k] * y;
        sxx += p[k] * x * x;
        syy += p[k] * y * y;
        sxy += p[k] * x * y;
    }
    memset(out, 0, sizeof *out);
    out->peak_kpa = peak;
    out->contact_sensels = n;
    if (n == 0) {
        out->mean_kpa = out->cop_x_mm = out->cop_y_mm = NAN;
        out->width_mm = out->length_mm = out->compliance_mm3_n = NAN;
        return;
    }
    const long double a = (long double)g->pitch_x_mm * g->pitch_y_mm;
    const long double mx = sx / s, my = sy / s;
    const long double cxx = sxx / s - mx * mx, cyy = syy / s - my * my, cxy = sxy / s - mx * my;
    /* Jacobi: the rotation by theta diagonalises the covariance. */
    const long double th = 0.5L * atan2l(2 * cxy, cxx - cyy);
    const long double c = cosl(th), sn = sinl(th);
    long double l1 = cxx * c * c + 2 * cxy * sn * c + cyy * sn * sn;
    long double l2 = cxx * sn * sn - 2 * cxy * sn * c + cyy * c * c;
    if (l1 < l2) {
        long double t = l1;
        l1 = l2;
        l2 = t;
    }
    out->force_n = (double)(s * a / 1000);
    out->area_cm2 = (double)(n * a / 100);
    out->mean_kpa = (double)(1000 * (s * a / 1000) / ((n * a / 100) * 100));
    out->cop_x_mm = (double)mx;
    out->cop_y_mm = (double)my;
    out->width_mm = (double)sqrtl(12 * (l2 > 0 ? l2 : 0));
    out->length_mm = (double)sqrtl(12 * l1);
    out->compliance_mm3_n = out->width_mm * out->width_mm * out->length_mm / out->force_n;
}

/* --- hand-computed cases ---------------------------------------------------- */

static void test_metrics_single_sensel(void **state)
{
    (void)state;
    /* 10x10, pitch 5 x 8 mm: a = 40 mm². Sensel (3, 7) at 40 kPa.
     * force = 40 * 40 / 1000 = 1.6 N; area = 40 / 100 = 0.4 cm²;
     * mean = 40 kPa; CoP = ((7 + 0.5) * 5, (3 + 0.5) * 8) = (37.5, 28).
     * One point has no spread: both eigenvalues 0, so width = length =
     * sqrt(12 * 0) = 0, and compliance = 0² * 0 / 1.6 = 0. */
    const struct rmat_grid g = {10, 10, 5.0, 8.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {1.6, 0.4, 40.0, 40.0, 37.5, 28.0, 0.0, 0.0, 0.0, 1};

    set_p(&g, p, 3, 7, 40.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    /* Zero exactly, not rounding noise of the CoP. */
    assert_true(m.width_mm == 0.0 && m.length_mm == 0.0 && m.compliance_mm3_n == 0.0);
    free(p);
}

static void test_metrics_band_three_rows(void **state)
{
    (void)state;
    /* 10x10 grid, pitch d = 4 mm (a = 16 mm²), rows 4, 5, 6 all at 20 kPa:
     * n = 30 sensels, force = 30 * 20 * 16 / 1000 = 9.6 N,
     * area = 30 * 16 / 100 = 4.8 cm², mean = 20 kPa.
     * CoP x: columns 0..9 evenly, mean (4.5 + 0.5) * 4 = 20 mm;
     * CoP y: row 5, (5 + 0.5) * 4 = 22 mm.
     * Across (y): three points -d, 0, d: variance 2d²/3, so
     * width = sqrt(12 * 2d²/3) = sqrt(8) d = 11.3137 mm, not 3d = 12: the
     * discrete formula gives W only for wide bands.
     * Along (x): ten points d apart: variance (10² - 1) d² / 12, so
     * length = sqrt(99) d = 39.7995 mm (a 40 mm band).
     * compliance = width² * length / force = 8 d² * sqrt(99) d / 9.6. */
    const double d = 4.0;
    const struct rmat_grid g = {10, 10, d, d};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {9.6,
                                            4.8,
                                            20.0,
                                            20.0,
                                            20.0,
                                            22.0,
                                            sqrt(8.0) * d,
                                            sqrt(99.0) * d,
                                            8 * d * d * sqrt(99.0) * d / 9.6,
                                            30};

    for (int i = 4; i <= 6; i++)
        for (int j = 0; j < 10; j++)
            set_p(&g, p, i, j, 20.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    check_close("compliance number", m.compliance_mm3_n, 530.6602, 1e-6, 0);
    free(p);
}

static void test_metrics_band_rotated(void **state)
{
    (void)state;
    /* The same band as columns 2, 3, 4 of a 10x10 grid with unequal pitch
     * px = 3, py = 5 mm (a = 15 mm²), 20 kPa:
     * force = 30 * 20 * 15 / 1000 = 9 N, area = 30 * 15 / 100 = 4.5 cm²;
     * CoP = ((3 + 0.5) * 3, (4.5 + 0.5) * 5) = (10.5, 25).
     * width (across, now x) = sqrt(8) * 3 = 8.485 mm;
     * length (along, now y) = sqrt(99) * 5 = 49.75 mm. */
    const struct rmat_grid g = {10, 10, 3.0, 5.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const double w = sqrt(8.0) * 3.0, l = sqrt(99.0) * 5.0;
    const struct rmat_frame_metrics want = {9.0, 4.5, 20.0, 20.0, 10.5, 25.0, w, l, w * w * l / 9.0,
                                            30};

    for (int i = 0; i < 10; i++)
        for (int j = 2; j <= 4; j++)
            set_p(&g, p, i, j, 20.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);

    /* And as rows 4..6 on the same grid: across is y (pitch 5), along x
     * (pitch 3): width = sqrt(8) * 5, length = sqrt(99) * 3; CoP (15, 27.5). */
    memset(p, 0, 100 * sizeof *p);
    for (int i = 4; i <= 6; i++)
        for (int j = 0; j < 10; j++)
            set_p(&g, p, i, j, 20.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    const double w2 = sqrt(8.0) * 5.0, l2 = sqrt(99.0) * 3.0;
    const struct rmat_frame_metrics want2 = {
        9.0, 4.5, 20.0, 20.0, 15.0, 27.5, w2, l2, w2 * w2 * l2 / 9.0, 30};
    check_metrics(&m, &want2, EXACTISH);
    free(p);
}

static void test_metrics_wide_band_approaches_width(void **state)
{
    (void)state;
    /* 90x90, pitch 2 mm, rows 10..69 (60 rows, a 120 mm band) at 30 kPa.
     * width = sqrt(60² - 1) * 2 = 119.9917 mm: within 1e-4 of W = 120
     * (sqrt(1 - 1/3600) = 1 - 1.39e-4). length = sqrt(90² - 1) * 2.
     * CoP = (45 * 2, (39.5 + 0.5) * 2) = (90, 80);
     * force = 60 * 90 * 30 * 4 / 1000 = 648 N. */
    const struct rmat_grid g = {90, 90, 2.0, 2.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;

    for (int i = 10; i < 70; i++)
        for (int j = 0; j < 90; j++)
            set_p(&g, p, i, j, 30.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    assert_int_equal(m.contact_sensels, 5400);
    check_close("force_n", m.force_n, 648.0, EXACTISH, 0);
    check_close("cop_x_mm", m.cop_x_mm, 90.0, EXACTISH, 0);
    check_close("cop_y_mm", m.cop_y_mm, 80.0, EXACTISH, 0);
    check_close("width_mm exact", m.width_mm, sqrt(3599.0) * 2.0, EXACTISH, 0);
    check_close("width_mm ~ W", m.width_mm, 120.0, 1.5e-4, 0);
    assert_true(m.width_mm < 120.0);
    check_close("length_mm", m.length_mm, sqrt(8099.0) * 2.0, EXACTISH, 0);
    free(p);
}

static void test_metrics_two_unequal_sensels(void **state)
{
    (void)state;
    /* 6x6, pitch 10 mm (a = 100 mm²). (2, 1) at 10 kPa, (2, 4) at 30 kPa:
     * x = 15 and 45 mm, y = 25 mm for both.
     * CoP x = (10 * 15 + 30 * 45) / 40 = 1500 / 40 = 37.5 mm; y = 25 mm.
     * force = 40 * 100 / 1000 = 4 N; area = 2 cm²; mean 20 kPa; peak 30.
     * Along x, weights 1/4 and 3/4 at distances 22.5 and 7.5 from the CoP:
     * variance = 0.25 * 22.5² + 0.75 * 7.5² = 126.5625 + 42.1875 = 168.75;
     * length = sqrt(12 * 168.75) = sqrt(2025) = 45 mm; width = 0 (one row);
     * compliance = 0. */
    const struct rmat_grid g = {6, 6, 10.0, 10.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {4.0, 2.0, 20.0, 30.0, 37.5, 25.0, 0.0, 45.0, 0.0, 2};

    set_p(&g, p, 2, 1, 10.0);
    set_p(&g, p, 2, 4, 30.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    free(p);
}

static void test_metrics_threshold_excludes(void **state)
{
    (void)state;
    /* 3x6, pitch 10 mm (a = 100 mm²), threshold 5. Columns 0-3 and 4-5 are
     * summed by different code (vectors, then the rest one by one), so both
     * get a sensel at and one just under the threshold:
     *   (1, 1) = 10   in        x 15, y 15
     *   (2, 1) = 5    in (p >= threshold)   x 15, y 25
     *   (1, 5) = 5    in        x 55, y 15
     *   (0, 1) = 4.99, (2, 4) = 4.99, (0, 0) = 2: out.
     * sum p = 20: force = 20 * 100 / 1000 = 2 N; area = 3 cm²;
     * mean = 20 / 3 kPa; peak 10.
     * CoP x = (150 + 75 + 275) / 20 = 25; y = (150 + 125 + 75) / 20 = 17.5.
     * Weights 1/2, 1/4, 1/4 at offsets (-10, -2.5), (-10, 7.5), (30, -2.5):
     *   sxx = 50 + 25 + 225 = 300
     *   syy = 3.125 + 14.0625 + 1.5625 = 18.75
     *   sxy = 12.5 - 18.75 - 18.75 = -25
     * lambda_max = 159.375 + sqrt(140.625² + 25²) = 159.375 + sqrt(20400.390625)
     *            = 302.2049; lambda_min = det / lambda_max = (5625 - 625) / 302.2049
     *            = 16.5451. */
    const struct rmat_grid g = {3, 6, 10.0, 10.0};
    double p[18] = {0};
    struct rmat_frame_metrics m;
    const double lmax = 159.375 + sqrt(20400.390625), lmin = 5000.0 / lmax;
    const double w = sqrt(12.0 * lmin), l = sqrt(12.0 * lmax);
    const struct rmat_frame_metrics want = {2.0, 3.0, 20.0 / 3.0,      10.0, 25.0, 17.5,
                                            w,   l,   w * w * l / 2.0, 3};

    p[0 * 6 + 0] = 2.0;
    p[0 * 6 + 1] = 4.99;
    p[1 * 6 + 1] = 10.0;
    p[2 * 6 + 1] = 5.0;
    p[1 * 6 + 5] = 5.0;
    p[2 * 6 + 4] = 4.99;
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    check_close("width number", m.width_mm, 14.09045, 1e-6, 0);
    check_close("length number", m.length_mm, 60.22009, 1e-6, 0);

    /* Nothing reaches the threshold: no contact, but the peak is still the
     * largest p of all sensels (4.99). */
    p[1 * 6 + 1] = 3.0;
    p[2 * 6 + 1] = 0.0;
    p[1 * 6 + 5] = 0.0;
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    const struct rmat_frame_metrics none = {0.0, 0.0, NAN, 4.99, NAN, NAN, NAN, NAN, NAN, 0};
    check_metrics(&m, &none, 0);
}

static void test_metrics_point_and_line_exactly_thin(void **state)
{
    (void)state;
    /* With p = 89.865119..., (50 * p) / p is not 50 in doubles, so the CoP
     * of a single sensel in column 50 is off its centre by about 1e-14 and
     * the spread comes out as rounding noise instead of 0; docs/metrics.md's
     * point has width = length = 0, and so should the output.
     * 90x90, pitch 10 mm: sensel (57, 50) alone: CoP (505, 575), force
     * p * 100 / 1000. */
    const double pv = 89.86511904297534;
    const struct rmat_grid g = {90, 90, 10.0, 10.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics point = {pv / 10.0, 1.0, pv,  pv,  505.0,
                                             575.0,     0.0, 0.0, 0.0, 1};

    set_p(&g, p, 57, 50, pv);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &point, EXACTISH);
    assert_true(m.width_mm == 0.0 && m.length_mm == 0.0 && m.compliance_mm3_n == 0.0);

    /* A line: row 3, columns 10..20, all at 8.9363633 (a value whose row
     * sum times 3, over the row sum, is not 3 in doubles): 11 equal points
     * 10 mm apart along x, length = sqrt(11² - 1) * 10; across, one row:
     * width exactly 0. CoP ((15 + 0.5) * 10, (3 + 0.5) * 10) = (155, 35). */
    const double pl = 8.9363633;
    memset(p, 0, 90 * 90 * sizeof *p);
    for (int j = 10; j <= 20; j++)
        set_p(&g, p, 3, j, pl);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    const struct rmat_frame_metrics line = {11 * pl / 10.0,     11.0, pl, pl, 155.0, 35.0, 0.0,
                                            sqrt(120.0) * 10.0, 0.0,  11};
    check_metrics(&m, &line, EXACTISH);
    assert_true(m.width_mm == 0.0 && m.compliance_mm3_n == 0.0);
    free(p);
}

static void test_metrics_all_zero(void **state)
{
    (void)state;
    /* No contact: force and area are sums over nothing, 0; mean, CoP,
     * width, length and compliance are empty (NaN); peak is 0. */
    const struct rmat_grid g = {32, 32, 10.0, 10.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {0.0, 0.0, NAN, 0.0, NAN, NAN, NAN, NAN, NAN, 0};

    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, 0);
    assert_true(m.force_n == 0.0 && m.area_cm2 == 0.0 && m.peak_kpa == 0.0);

    /* Threshold 0 puts every sensel in contact, but their pressures sum to
     * 0: area counts them (1024 * 100 / 100 = 1024 cm²), mean is 0 / 1024,
     * and there is nothing to weight a position by. */
    rmat_frame_metrics_compute(&g, p, 0.0, &m);
    const struct rmat_frame_metrics zero_thr = {0.0, 1024.0, 0.0, 0.0, NAN,
                                                NAN, NAN,    NAN, NAN, 1024};
    check_metrics(&m, &zero_thr, 0);
    free(p);
}

static void test_metrics_one_by_one(void **state)
{
    (void)state;
    /* One sensel, 7 x 9 mm (a = 63 mm²) at 12 kPa: force = 12 * 63 / 1000
     * = 0.756 N, area = 0.63 cm², CoP (3.5, 4.5), no spread. */
    const struct rmat_grid g = {1, 1, 7.0, 9.0};
    double p = 12.0;
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {0.756, 0.63, 12.0, 12.0, 3.5, 4.5, 0.0, 0.0, 0.0, 1};

    rmat_frame_metrics_compute(&g, &p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    p = 4.0;
    rmat_frame_metrics_compute(&g, &p, 5.0, &m);
    const struct rmat_frame_metrics none = {0.0, 0.0, NAN, 4.0, NAN, NAN, NAN, NAN, NAN, 0};
    check_metrics(&m, &none, 0);
}

static void test_metrics_far_corner_90x90(void **state)
{
    (void)state;
    /* 90x90, pitch 10 mm, sensels (88, 89) and (89, 89) at 50 kPa: a
     * narrow contact 900 mm from the origin, where E[x²] - E[x]² would
     * cancel. x = 895; y = 885 and 895: CoP (895, 890).
     * force = 100 * 100 / 1000 = 10 N; area = 2 cm².
     * Two equal points 10 apart: variance 25, length = sqrt(300) =
     * 17.3205 mm; width exactly 0 (one column). */
    const struct rmat_grid g = {90, 90, 10.0, 10.0};
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;
    const struct rmat_frame_metrics want = {10.0,  2.0, 50.0,        50.0, 895.0,
                                            890.0, 0.0, sqrt(300.0), 0.0,  2};

    set_p(&g, p, 88, 89, 50.0);
    set_p(&g, p, 89, 89, 50.0);
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    check_metrics(&m, &want, EXACTISH);
    assert_true(m.width_mm == 0.0);

    /* A full-size 90x90 frame of varied values against the brute force. */
    for (int k = 0; k < 90 * 90; k++)
        p[k] = (double)((k * 7919) % 101) * 0.37;
    struct rmat_frame_metrics bf;
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    brute_force(&g, p, 5.0, &bf);
    check_metrics(&m, &bf, 1e-9);
    free(p);
}

/* A ball-like contact: p = p0 * (1 - (u/a)² - (v/b)²) in axes turned by
 * 30 degrees, on a 40x37 grid of 2.5 x 3 mm, centred off the sensel grid.
 * The covariance has an off-diagonal term, so this exercises the
 * eigenvalues; expected values from brute_force(). */
static void test_metrics_tilted_ellipse(void **state)
{
    (void)state;
    const struct rmat_grid g = {40, 37, 2.5, 3.0};
    const double cx = 47.3, cy = 61.9, ra = 30.0, rb = 11.0, p0 = 250.0;
    const double ang = 30.0 * M_PI / 180.0;
    double *p = frame_new(&g);
    struct rmat_frame_metrics m, bf;

    for (int i = 0; i < g.rows; i++) {
        for (int j = 0; j < g.cols; j++) {
            const double x = (j + 0.5) * g.pitch_x_mm - cx, y = (i + 0.5) * g.pitch_y_mm - cy;
            const double u = x * cos(ang) + y * sin(ang), v = -x * sin(ang) + y * cos(ang);
            const double q = 1.0 - (u / ra) * (u / ra) - (v / rb) * (v / rb);
            set_p(&g, p, i, j, q > 0 ? p0 * q : 0.0);
        }
    }
    rmat_frame_metrics_compute(&g, p, 5.0, &m);
    brute_force(&g, p, 5.0, &bf);
    assert_true(bf.contact_sensels > 100);
    check_metrics(&m, &bf, 1e-9);
    /* A sanity bound independent of both: the contact is longer than wide,
     * and within the ellipse's axes (2a = 60, 2b = 22 mm). */
    assert_true(m.length_mm > m.width_mm);
    assert_true(m.length_mm < 60.0 && m.width_mm < 22.0);
    free(p);
}

static void test_metrics_hertz_compliance(void **state)
{
    (void)state;
    /* A roller (R = 50 mm) along x across the whole 180 mm of a 90x90 mat
     * (pitch 2 mm along, 0.25 mm across), pressed into a layer of
     * E* = 0.1 N/mm² (100 kPa) to a half-width b = 6 mm:
     * F = b² pi L E* / (4 R) = 10.179 N, p(y) = 2F / (pi b L) sqrt(1 - y²/b²)
     * with peak 2F / (pi b L) = 0.006 N/mm² = 6 kPa.
     * The semi-ellipse has variance b²/4, so width = sqrt(3) b and
     * width² L / F = 3 b² L / F = 12 R / (pi E*) = 1909.86 mm³/N
     * (docs/metrics.md). The mat samples p at 48 rows across the contact and the
     * length is sqrt(90² - 1) * 2 = 179.989, not 180: within 0.5%. */
    const struct rmat_grid g = {90, 90, 2.0, 0.25};
    const double R = 50.0, E = 0.1, L = 180.0, b = 6.0;
    const double F = b * b * M_PI * L * E / (4.0 * R);
    const double p0_kpa = 2.0 * F / (M_PI * b * L) * 1000.0;
    const double yc = 90 * 0.25 / 2 + 0.1; /* off the sensel centres */
    double *p = frame_new(&g);
    struct rmat_frame_metrics m;

    for (int i = 0; i < g.rows; i++) {
        const double u = ((i + 0.5) * g.pitch_y_mm - yc) / b;
        for (int j = 0; j < g.cols; j++)
            set_p(&g, p, i, j, fabs(u) < 1.0 ? p0_kpa * sqrt(1.0 - u * u) : 0.0);
    }
    rmat_frame_metrics_compute(&g, p, 1e-9, &m);
    check_close("force ~ F", m.force_n, F, 2e-3, 0);
    check_close("width ~ sqrt(3) b", m.width_mm, sqrt(3.0) * b, 2e-3, 0);
    check_close("compliance ~ 12R/(pi E*)", m.compliance_mm3_n, 12.0 * R / (M_PI * E), 5e-3, 0);
    check_close("cop_y ~ centre", m.cop_y_mm, yc, 0, 0.01);
    free(p);
}

static void test_metrics_bad_input(void **state)
{
    (void)state;
    const struct rmat_grid empty = {0, 10, 1.0, 1.0};
    double p[10] = {0};
    struct rmat_frame_metrics m;

    rmat_frame_metrics_compute(&empty, p, 5.0, &m);
    assert_true(isnan(m.force_n) && isnan(m.peak_kpa) && isnan(m.cop_x_mm));
    assert_int_equal(m.contact_sensels, 0);
    rmat_frame_metrics_compute(NULL, p, 5.0, &m);
    assert_true(isnan(m.area_cm2));
    rmat_frame_metrics_compute(&empty, p, 5.0, NULL); /* must not crash */
}

static void test_metrics_peak_map_keeps_largest(void **state)
{
    (void)state;
    /* Starting from the first frame, each sensel keeps its largest p;
     * nine sensels, so the last one is past the pairs. */
    const struct rmat_grid g = {3, 3, 1.0, 1.0};
    double map[9] = {1, 5, 0, 7, 2, 2, 4, 0, 6};
    const double f2[9] = {3, 4, 0, 9, 2, 1, 4.5, 0, 8};
    const double want[9] = {3, 5, 0, 9, 2, 2, 4.5, 0, 8};

    rmat_map_peak_update(&g, f2, map);
    for (int k = 0; k < 9; k++)
        check_close("peak map", map[k], want[k], 0, 0);
}

/* The fast path from raw counts gives exactly (bit for bit) what the
 * whole frame converted gives: random frames of noise under the threshold
 * with a band of contact rows, on grids from 1x1 to 90x90, with and
 * without gains, and frames without any contact. */
static void test_metrics_from_counts_equals_full(void **state)
{
    (void)state;
    static double lut[4096];
    static float gains[90 * 90];
    static uint16_t raw[90 * 90], peak_fast[90 * 90], peak_full[90 * 90];
    static double p_full[90 * 90], p_fast[90 * 90];
    static uint8_t live[90];
    const int sizes[5][2] = {{1, 1}, {4, 6}, {32, 32}, {17, 3}, {90, 90}};
    uint32_t seed = 99;

    /* A divider-like table: rising, 0 at 0. */
    for (int c = 0; c < 4096; c++)
        lut[c] = 60.0 * pow(c / (4095.5 - c), 0.8);
    for (int k = 0; k < 90 * 90; k++) {
        seed = seed * 1664525u + 1013904223u;
        gains[k] = (float)(0.9 + 0.2 * (double)(seed >> 8) / 16777216.0);
    }
    for (int sz = 0; sz < 5; sz++) {
        const struct rmat_grid g = {sizes[sz][0], sizes[sz][1], 12.7, 10.0};
        const size_t n = (size_t)g.rows * (size_t)g.cols;
        for (int with_gains = 0; with_gains < 2; with_gains++) {
            struct rmat_counts_scale sc;
            assert_int_equal(
                rmat_counts_scale_init(&sc, lut, 4095, with_gains ? gains : NULL, n, 5.0), RMAT_OK);
            for (int trial = 0; trial < 40; trial++) {
                struct rmat_frame_metrics a, b;
                const int band = trial % 4 == 3 ? -1 : (int)(seed % (unsigned)g.rows);
                for (size_t k = 0; k < n; k++) {
                    seed = seed * 1664525u + 1013904223u;
                    raw[k] = (uint16_t)((seed >> 16) % 40); /* noise, p < 5 kPa */
                    const int i = (int)(k / (size_t)g.cols);
                    if (band >= 0 && i >= band && i < band + 3)
                        raw[k] = (uint16_t)(100 + (seed >> 8) % 3900);
                }
                for (size_t k = 0; k < n; k++)
                    p_full[k] = lut[raw[k]] * (with_gains ? (double)gains[k] : 1.0);
                rmat_frame_metrics_compute(&g, p_full, 5.0, &a);
                memset(p_fast, 0, n * sizeof *p_fast);
                struct rmat_counts_scan scan;
                rmat_counts_scan(&sc, raw, g.rows, g.cols, peak_fast, live, &scan);
                rmat_frame_metrics_from_counts(&g, raw, &sc, live, &scan, p_fast, &b);
                /* The live rows are those with a contact sensel, or
                 * under the largest gain could have one. */
                for (int i = 0; i < g.rows; i++) {
                    int contact = 0, could = 0;
                    for (int j = 0; j < g.cols; j++) {
                        const size_t k = (size_t)i * (size_t)g.cols + (size_t)j;
                        contact |= p_full[k] >= 5.0;
                        could |= raw[k] >= sc.contact_min_counts;
                        peak_full[k] = raw[k] > peak_full[k] ? raw[k] : peak_full[k];
                    }
                    assert_int_equal(live[i], could);
                    if (contact)
                        assert_true(live[i]);
                }
                assert_int_equal(a.contact_sensels, b.contact_sensels);
                const double va[9] = {a.force_n,  a.area_cm2,  a.mean_kpa,
                                      a.peak_kpa, a.cop_x_mm,  a.cop_y_mm,
                                      a.width_mm, a.length_mm, a.compliance_mm3_n};
                const double vb[9] = {b.force_n,  b.area_cm2,  b.mean_kpa,
                                      b.peak_kpa, b.cop_x_mm,  b.cop_y_mm,
                                      b.width_mm, b.length_mm, b.compliance_mm3_n};
                for (int q = 0; q < 9; q++) {
                    if (!(va[q] == vb[q] || (isnan(va[q]) && isnan(vb[q])))) {
                        print_error("%dx%d gains %d trial %d field %d: %.17g != %.17g\n", g.rows,
                                    g.cols, with_gains, trial, q, va[q], vb[q]);
                        fail();
                    }
                }
            }
            for (size_t k = 0; k < n; k++)
                assert_int_equal(peak_fast[k], peak_full[k]);
        }
    }
    /* Counts above the table are read at its top. */
    {
        const struct rmat_grid g = {1, 2, 1, 1};
        struct rmat_counts_scale sc;
        struct rmat_frame_metrics m;
        const uint16_t big[2] = {65535, 0};
        struct rmat_counts_scan scan;
        double p[2];
        uint8_t lv[1];
        assert_int_equal(rmat_counts_scale_init(&sc, lut, 4095, NULL, 2, 5.0), RMAT_OK);
        rmat_counts_scan(&sc, big, 1, 2, NULL, lv, &scan);
        rmat_frame_metrics_from_counts(&g, big, &sc, lv, &scan, p, &m);
        check_close("clamped", m.peak_kpa, lut[4095], 0, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_single_sensel),
        cmocka_unit_test(test_metrics_band_three_rows),
        cmocka_unit_test(test_metrics_band_rotated),
        cmocka_unit_test(test_metrics_wide_band_approaches_width),
        cmocka_unit_test(test_metrics_two_unequal_sensels),
        cmocka_unit_test(test_metrics_threshold_excludes),
        cmocka_unit_test(test_metrics_point_and_line_exactly_thin),
        cmocka_unit_test(test_metrics_all_zero),
        cmocka_unit_test(test_metrics_one_by_one),
        cmocka_unit_test(test_metrics_far_corner_90x90),
        cmocka_unit_test(test_metrics_tilted_ellipse),
        cmocka_unit_test(test_metrics_hertz_compliance),
        cmocka_unit_test(test_metrics_bad_input),
        cmocka_unit_test(test_metrics_peak_map_keeps_largest),
        cmocka_unit_test(test_metrics_from_counts_equals_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
