/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the cadence (analysis/cadence.c; docs/metrics.md "Cadence"): series
 * of known frequency, resampling over lost frames, the longest run, and
 * the two-cycle minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/cadence.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double cadence_of(const double *t, const double *s, size_t n, double rate,
                         struct rmat_cadence_result *res)
{
    struct rmat_cadence *c = NULL;
    struct rmat_errinfo ei;
    const size_t m = rmat_cadence_samples(t, s, n, rate);
    assert_true(m > 0);
    assert_int_equal(rmat_cadence_new(m, &c, &ei), RMAT_OK);
    assert_int_equal(rmat_cadence_compute(c, t, s, n, rate, res), RMAT_OK);
    rmat_cadence_free(c);
    return res->cadence_cpm;
}

static void within_pct(const char *what, double got, double want, double pct)
{
    if (!(fabs(got - want) <= want * pct / 100.0)) {
        print_error("%s: got %.6g, want %.6g +- %g%%\n", what, got, want, pct);
        fail();
    }
}

static void test_cadence_sines_of_known_frequency(void **state)
{
    (void)state;
    const size_t n = 6000; /* 60 s at 100 Hz */
    double *t = malloc(n * sizeof *t), *s = malloc(n * sizeof *s);
    struct rmat_cadence_result r;
    /* 0.25 Hz is 15 cycles a minute; 0.9 Hz 54; 0.07 Hz 4.2 (4.2 cycles in
     * the minute: above the two-cycle minimum). An offset of 200 mm and a
     * phase change nothing. Bins are 1/120 Hz apart after padding; the
     * peak is interpolated to well under 1%. */
    const double f[3] = {0.25, 0.9, 0.07};
    assert_non_null(t);
    assert_non_null(s);
    for (int i = 0; i < 3; i++) {
        for (size_t k = 0; k < n; k++) {
            t[k] = (double)k / 100.0;
            s[k] = 200.0 + 120.0 * sin(2 * M_PI * f[i] * t[k] + 0.3);
        }
        within_pct("sine cadence", cadence_of(t, s, n, 100, &r), f[i] * 60, 0.5);
        within_pct("peak", r.peak_hz, f[i], 0.5);
        within_pct("cycles", r.cycles, f[i] * 60.0, 0.5);
        assert_int_equal(r.samples, n);
    }
    free(t);
    free(s);
}

static void test_cadence_triangle_and_lost_frames(void **state)
{
    (void)state;
    const size_t n = 9000; /* 90 s */
    double *t = malloc(n * sizeof *t), *s = malloc(n * sizeof *s);
    struct rmat_cadence_result r;
    size_t m = 0;
    uint32_t seed = 11;
    assert_non_null(t);
    assert_non_null(s);
    /* Strokes of a roller: a triangle with a 4 s period (15 cpm), its
     * harmonics weaker than the fundamental; one frame in ten lost at
     * random (their time skipped): resampling fills them. */
    for (size_t k = 0; k < n; k++) {
        seed = seed * 1664525u + 1013904223u;
        if ((seed >> 24) < 26)
            continue;
        const double tt = (double)k / 100.0, ph = fmod(tt, 4.0);
        t[m] = tt;
        s[m] = ph < 2 ? 60.0 * ph : 60.0 * (4 - ph);
        m++;
    }
    assert_true(m < n);
    within_pct("triangle cadence", cadence_of(t, s, m, 100, &r), 15, 0.5);
    free(t);
    free(s);
}

static void test_cadence_longest_run_and_too_few_cycles(void **state)
{
    (void)state;
    double t[8000], s[8000];
    struct rmat_cadence_result r;
    size_t n = 0;
    /* A 5 s run at 1 Hz, a lift, then a 40 s run at 0.25 Hz: the longest
     * run decides, 15 cpm. */
    for (int k = 0; k < 500; k++, n++) {
        t[n] = k / 100.0;
        s[n] = 50 * sin(2 * M_PI * 1.0 * t[n]);
    }
    for (int k = 0; k < 100; k++, n++) {
        t[n] = 5 + k / 100.0;
        s[n] = NAN;
    }
    for (int k = 0; k < 4000; k++, n++) {
        t[n] = 6 + k / 100.0;
        s[n] = 50 * sin(2 * M_PI * 0.25 * t[n]);
    }
    within_pct("longest run", cadence_of(t, s, n, 100, &r), 15, 0.5);
    assert_int_equal(r.run_first, 600);
    assert_int_equal(r.run_last, n - 1);

    /* 6 s of 0.25 Hz: 1.5 cycles, fewer than two: no cadence, though the
     * peak is found. */
    for (size_t k = 0; k < 600; k++) {
        t[k] = (double)k / 100.0;
        s[k] = 50 * sin(2 * M_PI * 0.25 * t[k]);
    }
    assert_true(isnan(cadence_of(t, s, 600, 100, &r)));
    assert_true(r.cycles < 2);

    /* No contact at all; bad arguments. */
    for (size_t k = 0; k < 10; k++)
        s[k] = NAN;
    assert_int_equal(rmat_cadence_samples(t, s, 10, 100), 0);
    struct rmat_cadence *c = NULL;
    assert_int_equal(rmat_cadence_new(100, &c, NULL), RMAT_OK);
    assert_int_equal(rmat_cadence_compute(c, t, s, 10, 100, &r), RMAT_OK);
    assert_true(isnan(r.cadence_cpm));
    assert_int_equal(rmat_cadence_compute(c, t, s, 10, 0, &r), RMAT_E_ARG);
    assert_int_equal(rmat_cadence_compute(c, t, s, 10, NAN, &r), RMAT_E_ARG);
    /* A run longer than the plan was made for. */
    for (size_t k = 0; k < 600; k++)
        s[k] = 1.0;
    assert_int_equal(rmat_cadence_compute(c, t, s, 600, 100, &r), RMAT_E_ARG);
    rmat_cadence_free(c);
    assert_int_equal(rmat_cadence_new(0, &c, NULL), RMAT_E_ARG);
    rmat_cadence_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cadence_sines_of_known_frequency),
        cmocka_unit_test(test_cadence_triangle_and_lost_frames),
        cmocka_unit_test(test_cadence_longest_run_and_too_few_cycles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
