/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sensor's corrections (analysis/sensorfix.c): the crosstalk inverse
 * against a small case worked out by hand and against the virtual mat's
 * forward model (firmware/boards/sim/sim.c, an independent implementation
 * of the sensor), and the creep correction against the virtual mat's creep
 * with the sim's own parameters (the truth: sim.h's defaults, 4%, 20 s up,
 * 10 s back, from 2 kPa). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmat_test.h"
#include "rollmat/calib.h"
#include "rollmat/err.h"
#include "rollmat/metrics.h"
#include "rollmat/sensorfix.h"
#include "sim.h"

/* A 2 x 3 grid, xr = 0.01 (1%), xc = 0.02 (2%), by hand:
 *
 *   c = | 100   0  50 |   R = 150, 200      C = 100, 200, 50
 *       |   0 200   0 |
 *
 *   m_ij = c_ij + xr (R_i - c_ij) + xc (C_j - c_ij):
 *   m00 = 100 + 0.01 * 50  + 0.02 * 0   = 100.5
 *   m01 =   0 + 0.01 * 150 + 0.02 * 200 =   5.5
 *   m02 =  50 + 0.01 * 100 + 0.02 * 0   =  51
 *   m10 =   0 + 0.01 * 200 + 0.02 * 100 =   4
 *   m11 = 200 + 0.01 * 0   + 0.02 * 0   = 200
 *   m12 =   0 + 0.01 * 200 + 0.02 * 50  =   3
 *
 * and the inverse's sums: T_m = 364, 1 + xr (3 - 1) + xc (2 - 1) = 1.04,
 * T = 350; M_0 = 157, 1 + xr (3 - 1) - xc = 1, R_0 = 157 - 0.02 * 350 =
 * 150; N_1 = 205.5, 1 + xc (2 - 1) - xr = 1.01, C_1 = (205.5 - 3.5) / 1.01
 * = 200. */
static void test_sensorfix_crosstalk_by_hand(void **state)
{
    (void)state;
    const double m[6] = {100.5, 5.5, 51, 4, 200, 3};
    const double want[6] = {100, 0, 50, 0, 200, 0};
    const double want_r[2] = {150, 200}, want_c[3] = {100, 200, 50};
    double c[6], r[2], col[3], inplace[6];

    rmat_crosstalk_invert(2, 3, 0.01, 0.02, m, c, r, col);
    for (int k = 0; k < 6; k++)
        assert_true(fabs(c[k] - want[k]) < 1e-9);
    for (int i = 0; i < 2; i++)
        assert_true(fabs(r[i] - want_r[i]) < 1e-9);
    for (int j = 0; j < 3; j++)
        assert_true(fabs(col[j] - want_c[j]) < 1e-9);
    /* In place, as the analysis calls it. */
    memcpy(inplace, m, sizeof m);
    rmat_crosstalk_invert(2, 3, 0.01, 0.02, inplace, inplace, r, col);
    for (int k = 0; k < 6; k++)
        assert_true(fabs(inplace[k] - want[k]) < 1e-9);
    /* No crosstalk: the identity. */
    rmat_crosstalk_invert(2, 3, 0, 0, m, c, r, col);
    for (int k = 0; k < 6; k++)
        assert_true(c[k] == m[k]);
}

/* The virtual mat's model without noise, creep or gain spread. */
static void sim_model(struct rmat_sim_sensor_model *m, double xr_pct, double xc_pct,
                      double creep_pct)
{
    rmat_sim_sensor_model_default(m, 12);
    m->noise_counts = 0;
    m->gain_spread_pct = 0;
    m->creep_pct = creep_pct;
    m->crosstalk_row_pct = xr_pct;
    m->crosstalk_col_pct = xc_pct;
}

/* A roller across a 32 x 32 mat of 12.7 mm sensels at (x, y). */
static void roller_frame(double x_mm, double y_mm, double axis_deg, double *p)
{
    const struct rmat_sim_contact c = {.shape = RMAT_SIM_CYLINDER,
                                       .x_mm = x_mm,
                                       .y_mm = y_mm,
                                       .axis_deg = axis_deg,
                                       .force_n = 300,
                                       .estar_kpa = 400,
                                       .radius_mm = 75,
                                       .length_mm = 150};
    (void)rmat_sim_pressure(32, 32, 12.7, &c, p);
}

/* The virtual mat's counts with 1% and 0.5% crosstalk, inverted, are its
 * counts without crosstalk: within the rounding of the two readings (half
 * a count each, the first grown by at most 1 / 0.985 by the inverse). */
static void test_sensorfix_crosstalk_inverts_the_sim(void **state)
{
    (void)state;
    struct rmat_sim_sensor_model mx, m0;
    struct rmat_sim_sensor *sx = NULL, *s0 = NULL;
    static double p[1024], w[1024];
    static uint16_t cx[1024], c0[1024];
    double r[32], col[32], worst = 0, ghost = 0;

    sim_model(&mx, 1.0, 0.5, 0);
    sim_model(&m0, 0, 0, 0);
    assert_int_equal(rmat_sim_sensor_new(&mx, 32, 32, 7, &sx), RMAT_OK);
    assert_int_equal(rmat_sim_sensor_new(&m0, 32, 32, 7, &s0), RMAT_OK);
    for (int f = 0; f < 3; f++) {
        roller_frame(120.0 + 60.0 * f, 150.0 + 40.0 * f, 30.0 * f, p);
        rmat_sim_sensor_read(sx, p, 0.01 * f, cx);
        rmat_sim_sensor_read(s0, p, 0.01 * f, c0);
        for (int k = 0; k < 1024; k++) {
            w[k] = cx[k];
            if (fabs((double)cx[k] - c0[k]) > ghost)
                ghost = fabs((double)cx[k] - c0[k]);
        }
        rmat_crosstalk_invert(32, 32, 0.01, 0.005, w, w, r, col);
        for (int k = 0; k < 1024; k++)
            if (fabs(w[k] - c0[k]) > worst)
                worst = fabs(w[k] - c0[k]);
    }
    print_message("crosstalk 1%%/0.5%% on the sim: up to %.0f counts of ghost, %.3f after the "
                  "inverse\n",
                  ghost, worst);
    assert_true(ghost > 100); /* the crosstalk is there to remove */
    assert_true(worst <= 0.5 / 0.985 + 0.5 + 1e-9);
    rmat_sim_sensor_free(sx);
    rmat_sim_sensor_free(s0);
}

/* The virtual mat's calibration (virtual-mat.cal): the inverse of its
 * curve, divider a 50 kPa, b 1 / 1.3, 4095. */
struct vcal {
    struct rmat_calib *cal;
    double lut[4096];
    struct rmat_counts_scale sc;
};

static void vcal_init(struct vcal *v)
{
    v->cal = rmat_calib_new();
    assert_non_null(v->cal);
    v->cal->curve = RMAT_CURVE_DIVIDER;
    v->cal->a_kpa = 50;
    v->cal->b = 1 / 1.3;
    v->cal->c_max_counts = 4095;
    assert_int_equal(rmat_calib_lut(v->cal, 12, v->lut), 4096);
    assert_int_equal(rmat_counts_scale_init(&v->sc, v->lut, 4095, NULL, 1024, 5.0), RMAT_OK);
}

/* The sim's creep (4%, 20 s, 10 s, 2 kPa: sim.h's defaults) with crosstalk
 * of xt_pct each (0: creep alone), removed with the sim's own parameters:
 * a roller held for 40 s, lifted for 8 s, set down for 20 s more, and
 * rolled away; every frame's corrected counts are those of the same mat
 * without creep or crosstalk to within 2 counts, where uncorrected they
 * are up to 4% (about 100 counts) off. */
static void undo_the_sim(double xt_pct)
{
    struct rmat_sim_sensor_model mx, m0;
    struct rmat_sim_sensor *sx = NULL, *s0 = NULL;
    struct rmat_sensorfix_config cfg;
    struct rmat_sensorfix *fix = NULL;
    struct vcal v;
    static double p[1024], zero[1024];
    static uint16_t cx[1024], c0[1024], out[1024];
    double worst = 0, before = 0;

    vcal_init(&v);
    sim_model(&mx, xt_pct, xt_pct, 4.0);
    sim_model(&m0, 0, 0, 0);
    assert_int_equal(rmat_sim_sensor_new(&mx, 32, 32, 3, &sx), RMAT_OK);
    assert_int_equal(rmat_sim_sensor_new(&m0, 32, 32, 3, &s0), RMAT_OK);
    rmat_sensorfix_config_init(&cfg);
    cfg.crosstalk_row_pct = cfg.crosstalk_col_pct = xt_pct;
    cfg.creep_pct = 4;
    cfg.creep_tau_s = 20;
    cfg.creep_recover_tau_s = 10;
    cfg.creep_load_kpa = 2;
    assert_int_equal(rmat_sensorfix_new(&cfg, 32, 32, &v.sc, &fix), RMAT_OK);
    roller_frame(203.2, 203.2, 0, p);
    for (int f = 0; f < 8000; f++) {
        const double t = f * 0.01;
        const double *frame = (t >= 40 && t < 48) ? zero : p;
        if (t >= 68) { /* rolled along y at 50 mm/s */
            roller_frame(203.2, 100 + fmod(50 * (t - 68), 200), 0, zero);
            frame = zero;
        }
        rmat_sim_sensor_read(sx, frame, t, cx);
        rmat_sim_sensor_read(s0, frame, t, c0);
        rmat_sensorfix_apply(fix, cx, t, out);
        for (int k = 0; k < 1024; k++) {
            if (fabs((double)out[k] - c0[k]) > worst)
                worst = fabs((double)out[k] - c0[k]);
            if (fabs((double)cx[k] - c0[k]) > before)
                before = fabs((double)cx[k] - c0[k]);
        }
        if (t >= 68)
            memset(zero, 0, sizeof zero);
    }
    print_message("creep 4%% + crosstalk %.1f%%: counts off by up to %.0f, %.0f after the "
                  "corrections\n",
                  xt_pct, before, worst);
    assert_true(before > 60);
    assert_true(worst <= 2);
    rmat_sensorfix_free(fix);
    rmat_sim_sensor_free(sx);
    rmat_sim_sensor_free(s0);
    rmat_calib_free(v.cal);
}

static void test_sensorfix_creep_and_crosstalk_undo_the_sim(void **state)
{
    (void)state;
    undo_the_sim(0.1);
    undo_the_sim(0.0); /* the creep alone (its own path in sensorfix.c) */
}

/* Estimates the crosstalk of the virtual mat with its noise (2 counts)
 * from 600 frames of a roller crossing it at 30 degrees: the sim's shares
 * are the truth. */
static void estimate_on_sim(double xr_pct, double xc_pct, struct rmat_crosstalk_estimate *est)
{
    struct rmat_sim_sensor_model m;
    struct rmat_sim_sensor *s = NULL;
    struct rmat_crosstalk_est *e = rmat_crosstalk_est_new(32, 32);
    static double p[1024];
    static uint16_t c[1024];

    assert_non_null(e);
    rmat_sim_sensor_model_default(&m, 12);
    m.creep_pct = 0;
    m.crosstalk_row_pct = xr_pct;
    m.crosstalk_col_pct = xc_pct;
    assert_int_equal(rmat_sim_sensor_new(&m, 32, 32, 11, &s), RMAT_OK);
    for (int f = 0; f < 600; f++) {
        roller_frame(150 + 60 * sin(f * 0.05), 100 + 0.35 * f, 30.0, p);
        rmat_sim_sensor_read(s, p, 0.01 * f, c);
        rmat_crosstalk_est_add(e, c, 205);
    }
    /* A frame without load adds nothing. */
    memset(c, 0, sizeof c);
    rmat_crosstalk_est_add(e, c, 205);
    assert_int_equal(rmat_crosstalk_est_solve(e, est), RMAT_OK);
    assert_int_equal(est->frames, 600);
    print_message("crosstalk %.2f%%/%.2f%% estimated %.4f%%/%.4f%% from %llu sensels, offset %.2f "
                  "counts\n",
                  xr_pct, xc_pct, est->row_pct, est->col_pct, (unsigned long long)est->samples,
                  est->offset_counts);
    rmat_crosstalk_est_free(e);
    rmat_sim_sensor_free(s);
}

static void test_sensorfix_crosstalk_estimated(void **state)
{
    (void)state;
    struct rmat_crosstalk_estimate est;
    struct rmat_crosstalk_est *e = rmat_crosstalk_est_new(32, 32);

    /* The sim's default, 0.1% each: within 5%. */
    estimate_on_sim(0.1, 0.1, &est);
    assert_true(fabs(est.row_pct - 0.1) < 0.005 && fabs(est.col_pct - 0.1) < 0.005);
    /* Unequal, larger: within 5%. */
    estimate_on_sim(1.0, 0.3, &est);
    assert_true(fabs(est.row_pct - 1.0) < 0.05 && fabs(est.col_pct - 0.3) < 0.015);
    /* None: under 0.005% each (a correction that changes a loaded row's
     * sensels by about a count). */
    estimate_on_sim(0, 0, &est);
    assert_true(est.row_pct < 0.005 && est.col_pct < 0.005);
    /* Nothing to go on. */
    assert_non_null(e);
    assert_int_equal(rmat_crosstalk_est_solve(e, &est), RMAT_E_ARG);
    rmat_crosstalk_est_free(e);
    rmat_crosstalk_est_free(NULL);
}

/* Off means off: a configuration without corrections is refused nothing
 * and changes no count; bad parameters are refused. */
static void test_sensorfix_off_and_bad_parameters(void **state)
{
    (void)state;
    struct rmat_sensorfix_config cfg;
    struct rmat_sensorfix *fix = NULL;
    struct vcal v;
    uint16_t in[6] = {0, 1, 200, 4095, 17, 3000}, out[6];

    vcal_init(&v);
    rmat_sensorfix_config_init(&cfg);
    assert_false(rmat_sensorfix_has_crosstalk(&cfg));
    assert_false(rmat_sensorfix_has_creep(&cfg));
    assert_int_equal(rmat_sensorfix_new(&cfg, 2, 3, &v.sc, &fix), RMAT_OK);
    rmat_sensorfix_apply(fix, in, 0.0, out);
    assert_memory_equal(in, out, sizeof in);
    rmat_sensorfix_free(fix);
    rmat_sensorfix_free(NULL);

    cfg.crosstalk_row_pct = 11;
    assert_int_equal(rmat_sensorfix_new(&cfg, 2, 3, &v.sc, &fix), RMAT_E_ARG);
    assert_null(fix);
    cfg.crosstalk_row_pct = NAN;
    assert_int_equal(rmat_sensorfix_new(&cfg, 2, 3, &v.sc, &fix), RMAT_E_ARG);
    cfg.crosstalk_row_pct = 0;
    cfg.creep_pct = 4;
    cfg.creep_tau_s = 0; /* creep without a time constant */
    cfg.creep_recover_tau_s = 10;
    assert_int_equal(rmat_sensorfix_new(&cfg, 2, 3, &v.sc, &fix), RMAT_E_ARG);
    assert_null(fix);
    rmat_calib_free(v.cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sensorfix_crosstalk_by_hand),
        cmocka_unit_test(test_sensorfix_crosstalk_inverts_the_sim),
        cmocka_unit_test(test_sensorfix_creep_and_crosstalk_undo_the_sim),
        cmocka_unit_test(test_sensorfix_crosstalk_estimated),
        cmocka_unit_test(test_sensorfix_off_and_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
