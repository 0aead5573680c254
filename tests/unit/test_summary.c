/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the session summary (analysis/summary.c; docs/metrics.md "Session
 * summary"), on a short session worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/summary.h"

static void near(const char *what, double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

static void test_summary_by_hand(void **state)
{
    (void)state;
    /* Eight frames 0.5 s apart (the first counts the nominal 0.5 s), the
     * third and fourth without contact. Contact frames: 0, 1, 4, 5, 6, 7
     * with force 10, 20, 30, 40, 50, 60 N (mean 35, peak 60), mean_kpa 1..6
     * (mean 3.5), area 2, 2, 4, 4, 4, 4 (mean 20 / 6), width 3 each,
     * compliance 1..6 (mean 3.5). Frame peaks 1..8 (largest 8, frame 7).
     * The smoothed CoP walks 3-4-5 triangles: (0, 0) -> (3, 4) within the
     * first run (5 mm), then (10, 0) -> (10, 5) -> (13, 9) -> (13, 9) ->
     * (13, 9) in the second (5 + 5 mm): path 15 mm.
     * A hold over frames 5-7 (1.5 s): hold 1.5 s, contact 3 s, rolling
     * 1.5 s. Passes at 100 and 140 mm/s: mean speed 120. Body mass 50 kg:
     * 490.5 N of body weight; mean force 35 N is 7.1356%, peak 12.2324%. */
    double t[8], sx[8] = {0, 3, NAN, NAN, 10, 10, 13, 13};
    double sy[8] = {0, 4, NAN, NAN, 0, 5, 9, 9};
    struct rmat_frame_metrics m[8];
    struct rmat_pass p[2];
    struct rmat_hold h[1];
    struct rmat_summary s;
    const int contact[8] = {1, 1, 0, 0, 1, 1, 1, 1};
    int c = 0;

    memset(m, 0, sizeof m);
    memset(p, 0, sizeof p);
    memset(h, 0, sizeof h);
    for (int k = 0; k < 8; k++) {
        t[k] = 0.5 * k;
        m[k].peak_kpa = k + 1;
        if (!contact[k]) {
            m[k].mean_kpa = m[k].cop_x_mm = m[k].width_mm = m[k].length_mm = NAN;
            m[k].compliance_mm3_n = NAN;
            continue;
        }
        c++;
        m[k].contact_sensels = 3;
        m[k].force_n = 10.0 * c;
        m[k].mean_kpa = c;
        m[k].area_cm2 = k < 2 ? 2 : 4;
        m[k].width_mm = 3;
        m[k].length_mm = 7;
        m[k].compliance_mm3_n = c;
    }
    sx[7] = 13;
    p[0].speed_mm_s = 100;
    p[1].speed_mm_s = 140;
    h[0].first = 5;
    h[0].last = 7;
    rmat_summary_compute(t, 0.5, m, sx, sy, 8, p, 2, h, 1, 50, &s);
    near("duration", s.duration_s, 3.5, 0);
    near("contact", s.contact_s, 3.0, 1e-15);
    near("hold", s.hold_s, 1.5, 1e-15);
    near("rolling", s.rolling_s, 1.5, 1e-15);
    assert_int_equal(s.passes, 2);
    assert_int_equal(s.holds, 1);
    near("speed", s.mean_speed_mm_s, 120, 0);
    near("path", s.path_mm, 15, 1e-12);
    near("mean force", s.mean_force_n, 35, 1e-12);
    near("peak force", s.peak_force_n, 60, 0);
    near("mean kpa", s.mean_kpa, 3.5, 1e-12);
    near("peak kpa", s.peak_kpa, 8, 0);
    near("mean area", s.mean_area_cm2, 20.0 / 6, 1e-12);
    near("mean width", s.mean_width_mm, 3, 0);
    near("mean compliance", s.mean_compliance_mm3_n, 3.5, 1e-12);
    near("mean %BW", s.mean_force_pct_bw, 100 * 35 / (50 * 9.81), 1e-9);
    near("peak %BW", s.peak_force_pct_bw, 100 * 60 / (50 * 9.81), 1e-9);

    /* Unknown body mass: no %BW. No frames: NaN durations and means. */
    rmat_summary_compute(t, 0.5, m, sx, sy, 8, p, 2, h, 1, NAN, &s);
    assert_true(isnan(s.mean_force_pct_bw) && isnan(s.peak_force_pct_bw));
    rmat_summary_compute(t, 0.5, m, sx, sy, 0, NULL, 0, NULL, 0, 70, &s);
    assert_true(isnan(s.duration_s) && isnan(s.mean_force_n) && isnan(s.peak_kpa));
    assert_true(s.contact_s == 0 && s.passes == 0 && isnan(s.mean_speed_mm_s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
