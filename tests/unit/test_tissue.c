/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the tissue response and its statistics (analysis/tissue.c;
 * docs/metrics.md "Tissue response within a session"): Student t quantiles
 * against printed tables, the incomplete beta against closed forms, and a
 * least-squares line whose interval is worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/tissue.h"

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

static void test_tissue_t_quantiles_match_tables(void **state)
{
    (void)state;
    /* Two-sided 95% critical values, t(0.975, dof), as printed in every
     * statistics table (e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.2, to 3
     * decimals; dof 1 exactly tan(0.475 pi) = 12.7062047...). */
    const struct {
        double dof, t;
    } tab[] = {{1, 12.706}, {2, 4.303},  {3, 3.182},   {4, 2.776},   {5, 2.571},  {6, 2.447},
               {7, 2.365},  {8, 2.306},  {9, 2.262},   {10, 2.228},  {15, 2.131}, {20, 2.086},
               {30, 2.042}, {60, 2.000}, {100, 1.984}, {120, 1.980}, {1e6, 1.960}};
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; k++)
        near("t(0.975)", rmat_student_t_quantile(0.975, tab[k].dof), tab[k].t, 0.0005);
    near("dof 1 exact", rmat_student_t_quantile(0.975, 1), tan(0.475 * M_PI), 1e-9);
    /* dof 2 has a closed form: t = (2p - 1) sqrt(2 / (1 - (2p - 1)²)) for
     * the p quantile: p = 0.975 gives 0.95 sqrt(2 / 0.0975) = 4.30265273. */
    near("dof 2 exact", rmat_student_t_quantile(0.975, 2), 0.95 * sqrt(2 / 0.0975), 1e-9);
    /* One-sided 99% with 10 dof: 2.764; symmetry; the median. */
    near("t(0.99, 10)", rmat_student_t_quantile(0.99, 10), 2.764, 0.0005);
    near("symmetry", rmat_student_t_quantile(0.025, 7), -rmat_student_t_quantile(0.975, 7), 1e-12);
    assert_true(rmat_student_t_quantile(0.5, 3) == 0.0);
    assert_true(isnan(rmat_student_t_quantile(1.0, 3)));
    assert_true(isnan(rmat_student_t_quantile(0.9, 0)));
    assert_true(isnan(rmat_student_t_quantile(NAN, 3)));
}

static void test_tissue_incomplete_beta_closed_forms(void **state)
{
    (void)state;
    /* I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b; I_0.5(a, a)
     * = 1/2; I_x(1/2, 1/2) = (2 / pi) asin(sqrt x). */
    near("I(1,1)", rmat_incbeta(1, 1, 0.3), 0.3, 1e-14);
    near("I(3,1)", rmat_incbeta(3, 1, 0.7), pow(0.7, 3), 1e-14);
    near("I(1,4)", rmat_incbeta(1, 4, 0.2), 1 - pow(0.8, 4), 1e-14);
    near("I(a,a)", rmat_incbeta(7.5, 7.5, 0.5), 0.5, 1e-13);
    near("arcsine", rmat_incbeta(0.5, 0.5, 0.25), 2 / M_PI * asin(0.5), 1e-13);
    assert_true(rmat_incbeta(2, 3, 0) == 0 && rmat_incbeta(2, 3, 1) == 1);
    assert_true(isnan(rmat_incbeta(2, 3, 1.5)) && isnan(rmat_incbeta(0, 3, 0.5)));
}

static void test_tissue_line_with_known_interval(void **state)
{
    (void)state;
    /* x = 1..5 min, y = 2.1, 3.9, 6.2, 7.8, 10.1. By hand (the textbook
     * formulas, e.g. Montgomery & Runger, 11.2-11.4): mean x 3, mean y
     * 6.02; Sxx = 10; Sxy = (-2)(-3.92) + (-1)(-2.12) + 0 + (1)(1.78) +
     * (2)(4.08) = 19.9, so the slope is 1.99 and the intercept 0.05. The
     * fitted values 2.04, 4.03, 6.02, 8.01, 10.00 leave residuals 0.06,
     * -0.13, 0.18, -0.21, 0.10: SSE = 0.107. s² = SSE / 3 = 0.0356667, the
     * slope's standard error sqrt(s² / Sxx) = 0.0597216, t(0.975, 3) =
     * 3.1824463, so the interval is 1.99 -+ 0.190060: [1.799940,
     * 2.180060]. SST = 3.92² + 2.12² + 0.18² + 1.78² + 4.08² = 39.708, r² =
     * 1 - 0.107 / 39.708 = 0.9973053. Thirds of one point: 2.1 -> 10.1,
     * +380.952%. */
    const double x[5] = {1, 2, 3, 4, 5}, y[5] = {2.1, 3.9, 6.2, 7.8, 10.1};
    struct rmat_trend tr;
    rmat_trend_fit(x, y, 5, 4, &tr);
    assert_true(tr.valid);
    assert_int_equal(tr.n, 5);
    near("slope", tr.slope, 1.99, 1e-12);
    near("ci low", tr.ci95_low, 1.799940, 2e-6);
    near("ci high", tr.ci95_high, 2.180060, 2e-6);
    near("r2", tr.r2, 1 - 0.107 / 39.708, 1e-9);
    near("change", tr.change_pct, 100 * (10.1 / 2.1 - 1), 1e-9);

    /* Six points, thirds of two: (y1 + y2) / 2 = 2 -> (y5 + y6) / 2 = 3,
     * +50%. A NaN is skipped (n counts the rest). */
    const double x6[7] = {0, 1, 2, 3, 4, 5, 6}, y6[7] = {1, 3, NAN, 2, 2, 2, 4};
    rmat_trend_fit(x6, y6, 7, 4, &tr);
    assert_int_equal(tr.n, 6);
    near("change of thirds", tr.change_pct, 50, 1e-12);

    /* Fewer than min_n points, or all x alike: no line. */
    rmat_trend_fit(x, y, 3, 4, &tr);
    assert_false(tr.valid);
    assert_true(isnan(tr.slope) && isnan(tr.ci95_low));
    const double same[4] = {2, 2, 2, 2};
    rmat_trend_fit(same, y, 4, 4, &tr);
    assert_false(tr.valid);
    /* Points exactly on a line: a zero-width interval, r² 1. */
    const double yl[4] = {1, 3, 5, 7};
    rmat_trend_fit(x, yl, 4, 4, &tr);
    near("exact slope", tr.slope, 2, 1e-12);
    near("exact ci", tr.ci95_high - tr.ci95_low, 0, 1e-9);
    near("exact r2", tr.r2, 1, 1e-12);
}

static void test_tissue_over_passes(void **state)
{
    (void)state;
    /* Six passes a minute apart whose compliance rises by 10 mm³/N a
     * minute from 100; mean_kpa falls by 1 a minute from 40; width 30
     * throughout (no slope, r² undefined: every y equal); speed alternating
     * 100, 120. Roller diameter 100 mm: R = 50, stiffness 12000 * 50 / (pi
     * C) kPa. Two holds with area change 4% and 6%: mean 5%. */
    struct rmat_pass p[6];
    struct rmat_hold h[2];
    struct rmat_tissue t;
    double scratch[12];
    memset(p, 0, sizeof p);
    memset(h, 0, sizeof h);
    for (int k = 0; k < 6; k++) {
        p[k].t_start_s = 60.0 * k;
        p[k].compliance_mm3_n = 100 + 10.0 * k;
        p[k].mean_kpa = 40 - k;
        p[k].mean_width_mm = 30;
        p[k].speed_mm_s = k % 2 ? 120 : 100;
    }
    h[0].area_change_pct = 4;
    h[1].area_change_pct = 6;
    rmat_tissue_compute(p, 6, h, 2, 100, scratch, &t);
    assert_true(t.compliance_mm3_n.valid);
    near("compliance slope", t.compliance_mm3_n.slope, 10, 1e-9);
    near("compliance ci", t.compliance_mm3_n.ci95_high - t.compliance_mm3_n.ci95_low, 0, 1e-6);
    near("kpa slope", t.mean_kpa.slope, -1, 1e-12);
    /* change of thirds: (40 + 39) / 2 -> (36 + 35) / 2: -10.1266%. */
    near("kpa change", t.mean_kpa.change_pct, 100 * (35.5 / 39.5 - 1), 1e-9);
    near("width slope", t.width_mm.slope, 0, 1e-12);
    assert_true(isnan(t.width_mm.r2));
    assert_true(t.has_stiffness);
    assert_true(t.stiffness_kpa.valid && t.stiffness_kpa.slope < 0);
    near("first stiffness via change", t.stiffness_kpa.change_pct,
         100 * ((600000 / (M_PI * 140) + 600000 / (M_PI * 150)) /
                    (600000 / (M_PI * 100) + 600000 / (M_PI * 110)) -
                1),
         1e-9);
    near("hold area change", t.hold_area_change_pct, 5, 1e-12);

    /* Three passes: null everywhere; no diameter: no stiffness. */
    rmat_tissue_compute(p, 3, NULL, 0, NAN, scratch, &t);
    assert_false(t.compliance_mm3_n.valid);
    assert_false(t.mean_kpa.valid);
    assert_false(t.has_stiffness);
    assert_true(isnan(t.hold_area_change_pct));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tissue_t_quantiles_match_tables),
        cmocka_unit_test(test_tissue_incomplete_beta_closed_forms),
        cmocka_unit_test(test_tissue_line_with_known_interval),
        cmocka_unit_test(test_tissue_over_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
