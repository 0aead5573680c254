/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the per-sensel maps (analysis/maps.c; docs/metrics.md "Maps"):
 * dwell, pressure-time integral and peak over a few frames worked out by
 * hand, live-row skipping, and maps.h5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "rmat_test.h"
#include "rollmat/maps.h"
#include "rollmat/metrics.h"

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

/* A 2x3 mat, counts through kpa[c] = c / 2 (a linear table), threshold 5
 * kPa (10 counts). Three frames:
 *   frame 0, dt 0.01: counts {0, 12, 30 / 4, 0, 8}: p {0, 6, 15 / 2, 0, 4}
 *   frame 1, dt 0.02: counts {10, 0, 0 / 0, 40, 0}: p {5, 0, 0 / 0, 20, 0}
 *   frame 2, dt 0.03: counts {2, 2, 2 / 2, 2, 2}:   p all 1 (no contact)
 * dwell = sum of dt over contact: {0.02, 0.01, 0.01 / 0, 0.02, 0};
 * pti = sum p dt: {0.1, 0.06, 0.15 / 0, 0.4, 0};
 * peak = largest p, contact or not: {5, 6, 15 / 2, 20, 4}. */
static const uint16_t frames[3][6] = {
    {0, 12, 30, 4, 0, 8}, {10, 0, 0, 0, 40, 0}, {2, 2, 2, 2, 2, 2}};
static const double dts[3] = {0.01, 0.02, 0.03};

static void fill_lut(double *lut, int n)
{
    for (int c = 0; c < n; c++)
        lut[c] = c / 2.0;
}

static void test_maps_by_hand(void **state)
{
    (void)state;
    static double lut[4096];
    struct rmat_counts_scale sc;
    struct rmat_maps m;
    const struct rmat_grid g = {2, 3, 10, 10};
    double p[6];
    struct rmat_counts_scan scan;
    uint8_t live[2];
    struct rmat_frame_metrics fm;
    const double dwell[6] = {0.02, 0.01, 0.01, 0, 0.02, 0};
    const double pti[6] = {0.1, 0.06, 0.15, 0, 0.4, 0};
    const double peak[6] = {5, 6, 15, 2, 20, 4};

    fill_lut(lut, 4096);
    assert_int_equal(rmat_counts_scale_init(&sc, lut, 4095, NULL, 6, 5.0), RMAT_OK);
    assert_int_equal(sc.contact_min_counts, 10);
    for (int pass = 0; pass < 2; pass++) {
        /* Pass 0 the fast way (live rows only); pass 1 every row. */
        assert_int_equal(rmat_maps_init(&m, 2, 3, 5.0), RMAT_OK);
        for (int f = 0; f < 3; f++) {
            memset(p, 0xff, sizeof p); /* NaN: rows not converted stay so */
            /* Pass 0 raises the peak map in the scan, pass 1 in
             * rmat_maps_add(). */
            rmat_counts_scan(&sc, frames[f], 2, 3, pass == 0 ? m.peak_counts : NULL, live, &scan);
            rmat_frame_metrics_from_counts(&g, frames[f], &sc, live, &scan, p, &fm);
            if (pass == 1)
                rmat_counts_to_kpa(&sc, frames[f], 0, 6, p);
            rmat_maps_add(&m, pass == 0 ? NULL : frames[f], p, pass == 0 ? scan.live : NULL,
                          scan.live_rows, dts[f]);
        }
        rmat_maps_finish(&m, &sc, 3);
        for (int k = 0; k < 6; k++) {
            near("dwell", m.dwell_s[k], dwell[k], 1e-15);
            near("pti", m.pti_kpa_s[k], pti[k], 1e-15);
            near("peak", m.peak_kpa[k], peak[k], 0);
        }
        assert_int_equal(rmat_maps_covered(&m), 4);
        rmat_maps_fini(&m);
        rmat_maps_fini(&m); /* twice is fine */
    }
    /* Frame 2 made no row live; frame 1 both rows. */
    rmat_counts_scan(&sc, frames[2], 2, 3, NULL, live, &scan);
    rmat_frame_metrics_from_counts(&g, frames[2], &sc, live, &scan, p, &fm);
    assert_true(!live[0] && !live[1]);
    near("peak of a frame without contact", fm.peak_kpa, 1, 0);
    assert_int_equal(fm.contact_sensels, 0);

    /* Gains: the peak map is the largest count through the table times the
     * sensel's gain. */
    const float gains[6] = {1, 1, 0.5f, 1, 2, 1};
    assert_int_equal(rmat_counts_scale_init(&sc, lut, 4095, gains, 6, 5.0), RMAT_OK);
    near("gain max", sc.gain_max, 2, 0);
    assert_int_equal(sc.contact_min_counts, 5); /* 5 / 2 * 2 = 5 */
    assert_int_equal(rmat_maps_init(&m, 2, 3, 5.0), RMAT_OK);
    for (int f = 0; f < 3; f++) {
        rmat_counts_to_kpa(&sc, frames[f], 0, 6, p);
        rmat_maps_add(&m, frames[f], p, NULL, 0, dts[f]);
    }
    rmat_maps_finish(&m, &sc, 3);
    near("peak with gain 0.5", m.peak_kpa[2], 7.5, 0);
    near("peak with gain 2", m.peak_kpa[4], 40, 0);
    rmat_maps_fini(&m);
    /* No frames: NaN, not zero. */
    assert_int_equal(rmat_maps_init(&m, 2, 3, 5.0), RMAT_OK);
    rmat_maps_finish(&m, &sc, 0);
    assert_true(isnan(m.peak_kpa[0]));
    rmat_maps_fini(&m);
    /* A table that falls is refused. */
    lut[7] = 100;
    assert_int_equal(rmat_counts_scale_init(&sc, lut, 4095, NULL, 6, 5.0), RMAT_E_ARG);
    assert_int_equal(rmat_maps_init(&m, 0, 3, 5.0), RMAT_E_ARG);
}

static void test_maps_h5(void **state)
{
    (void)state;
    char dir[512], path[700];
    struct rmat_maps m;
    const struct rmat_grid g = {2, 3, 10, 12.5};
    struct rmat_errinfo ei;
    double back[6];
    char units[32] = "";

    assert_int_equal(rmat_test_tmpdir("maps_h5", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/maps.h5", dir);
    assert_int_equal(rmat_maps_init(&m, 2, 3, 5.0), RMAT_OK);
    for (int k = 0; k < 6; k++) {
        m.dwell_s[k] = k;
        m.pti_kpa_s[k] = 10.0 * k;
        m.peak_kpa[k] = 100.0 + k;
    }
    assert_int_equal(rmat_maps_write_h5(&m, &g, "kPa", path, &ei), RMAT_OK);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, "pti_kpa_s", H5P_DEFAULT);
    assert_true(d >= 0);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
    hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    assert_true(H5Aread(a, t, units) >= 0);
    assert_string_equal(units, "kPa*s");
    H5Tclose(t);
    H5Aclose(a);
    H5Dclose(d);
    double pitch = 0;
    a = H5Aopen(f, "pitch_y_mm", H5P_DEFAULT);
    assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, &pitch) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    assert_true(pitch == 12.5);
    for (int k = 0; k < 6; k++)
        assert_true(back[k] == 10.0 * k);
    /* A directory that is not there: an error naming the file. */
    assert_int_equal(rmat_maps_write_h5(&m, &g, "kPa", "/nonexistent/d/maps.h5", &ei) < 0, 1);
    assert_non_null(strstr(ei.msg, "/nonexistent/d/maps.h5"));
    rmat_maps_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_by_hand),
        cmocka_unit_test(test_maps_h5),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
