/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of named regions (analysis/regions.c; docs/metrics.md "Regions"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/regions.h"

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

static void bad(const char *text, const char *needle)
{
    struct rmat_region *r = NULL;
    size_t n = 9;
    struct rmat_errinfo ei;
    assert_int_equal(rmat_regions_parse(text, "r.txt", &r, &n, &ei), RMAT_E_FORMAT);
    assert_null(r);
    assert_int_equal(n, 0);
    if (!strstr(ei.msg, needle) || !strstr(ei.msg, "r.txt")) {
        print_error("\"%s\" not in \"%s\"\n", needle, ei.msg);
        fail();
    }
}

static void test_regions_parse(void **state)
{
    (void)state;
    struct rmat_region *r = NULL;
    size_t n = 0;
    struct rmat_errinfo ei;
    assert_int_equal(rmat_regions_parse("rollmat-regions 1\n# name x0 y0 x1 y1\n"
                                        "proximal 0 0 406.4 135   # upper third\n\n"
                                        "mid\t0\t135\t406.4\t270\n",
                                        "r.txt", &r, &n, &ei),
                     RMAT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(r[1].name, "mid");
    assert_true(r[1].y1_mm == 270 && r[0].x1_mm == 406.4);
    /* The shared edge y = 135 belongs to the first region listed. */
    assert_int_equal(rmat_region_of(r, n, 10, 135), 0);
    assert_int_equal(rmat_region_of(r, n, 10, 135.001), 1);
    assert_int_equal(rmat_region_of(r, n, 10, 300), -1);
    assert_int_equal(rmat_region_of(r, n, NAN, 10), -1);
    free(r);

    bad("proximal 0 0 1 1\n", "rollmat-regions 1");
    bad("rollmat-regions 1\nmid 0 0 1\n", "line 2");
    bad("rollmat-regions 1\nmid 0 0 1 nan\n", "line 2");
    bad("rollmat-regions 1\nmid 0 0 0 1\n", "empty");
    bad("rollmat-regions 1\na 0 0 1 1\na 1 1 2 2\n", "line 3: region a given twice");
    bad("", "empty");
}

static void test_regions_compute(void **state)
{
    (void)state;
    /* Two regions side by side, left x 0..100 and right x 100..200. Five
     * frames 0.1 s apart (the first counts 0.1 s too, the nominal dt):
     * CoP in left with 10 kPa, left 20 kPa, none (no contact), right 30,
     * outside both (x = 250) 40. Contact time 0.4 s; left 0.2 s (50%),
     * pti 10 * 0.1 + 20 * 0.1 = 3, mean 15; right 0.1 s (25%), pti 3, mean
     * 30. A hold at (50, 50) counts for left. */
    const struct rmat_region r[2] = {{"left", 0, 0, 100, 100}, {"right", 100, 0, 200, 100}};
    const double t[5] = {0, 0.1, 0.2, 0.3, 0.4};
    const double x[5] = {50, 60, NAN, 150, 250}, kpa[5] = {10, 20, NAN, 30, 40};
    struct rmat_frame_metrics m[5];
    struct rmat_hold h[1];
    struct rmat_region_stats st[2];
    memset(m, 0, sizeof m);
    for (int k = 0; k < 5; k++) {
        m[k].cop_x_mm = x[k];
        m[k].cop_y_mm = isnan(x[k]) ? NAN : 50;
        m[k].mean_kpa = kpa[k];
        m[k].contact_sensels = isnan(x[k]) ? 0 : 4;
    }
    memset(h, 0, sizeof h);
    h[0].x_mm = h[0].y_mm = 50;
    rmat_regions_compute(r, 2, t, 0.1, m, 5, h, 1, st);
    near("left time", st[0].time_s, 0.2, 1e-12);
    near("left pct", st[0].pct, 50, 1e-9);
    near("left pti", st[0].pti_kpa_s, 3, 1e-12);
    near("left mean", st[0].mean_kpa, 15, 1e-12);
    assert_int_equal(st[0].holds, 1);
    assert_int_equal(h[0].region, 0);
    near("right time", st[1].time_s, 0.1, 1e-12);
    near("right pct", st[1].pct, 25, 1e-9);
    near("right mean", st[1].mean_kpa, 30, 1e-12);
    assert_int_equal(st[1].holds, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regions_parse),
        cmocka_unit_test(test_regions_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
