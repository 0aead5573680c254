/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The virtual mat's physics, sensor model, scene parser and truth files
 * (firmware/boards/sim). Expected values are worked out by hand from the
 * Hertz formulas and the scene text, or integrated here by brute force,
 * never taken from the code under test. */
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
#include "rollmat/err.h"
#include "scene.h"
#include "sim.h"
#include "truth.h"
#include "vmat.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The defaults of a foam-rolling session. */
static struct rmat_sim_contact roller_at(double x_mm, double y_mm, double axis_deg)
{
    struct rmat_sim_contact c = {.shape = RMAT_SIM_CYLINDER,
                                 .x_mm = x_mm,
                                 .y_mm = y_mm,
                                 .axis_deg = axis_deg,
                                 .force_n = 250,
                                 .estar_kpa = 400,
                                 .radius_mm = 75,
                                 .length_mm = 150};
    return c;
}

/* b = sqrt(4 F R / (pi L E*)) = sqrt(4 * 250 * 75 / (pi * 150 * 0.4))
 *   = sqrt(75000 / 188.4956) = sqrt(397.887) = 19.9471 mm;
 * mean = F / (2 b L) = 250 / (2 * 19.9471 * 150) N/mm^2 = 41.777 kPa;
 * peak = 4/pi * mean = 53.192 kPa; sqrt(12 var) = sqrt(3) b = 34.549 mm. */
static void test_sim_line_contact_by_hand(void **state)
{
    struct rmat_sim_contact c = roller_at(200, 200, 0);
    struct rmat_sim_contact_truth t;
    (void)state;

    assert_true(fabs(rmat_sim_line_half_width_mm(250, 75, 150, 400) - 19.9471) < 0.001);
    rmat_sim_contact_describe(&c, &t);
    assert_true(fabs(t.half_width_mm - 19.9471) < 0.001);
    assert_true(fabs(t.mean_kpa - 41.777) < 0.01);
    assert_true(fabs(t.peak_kpa - 53.192) < 0.01);
    assert_true(fabs(t.width_mm - 34.549) < 0.01);
    assert_true(fabs(t.length_mm - 150) < 1e-9);
    /* docs/metrics.md: width^2 * length / force = 12 R / (pi E*) = 12 * 75 /
     * (pi * 0.4) = 716.2 mm^3/N, whatever the force. */
    assert_true(fabs(t.width_mm * t.width_mm * t.length_mm / 250 - 716.20) < 0.05);
}

/* a = (3 F R / (4 E*))^(1/3) = (3 * 200 * 31.75 / 1.2)^(1/3) = 15875^(1/3)
 *   = 25.1327 mm (25.1327^3 = 15875.0);
 * mean = F / (pi a^2) = 200 / 1984.39 N/mm^2 = 100.787 kPa; peak 1.5x. */
static void test_sim_ball_contact_by_hand(void **state)
{
    struct rmat_sim_contact c = {.shape = RMAT_SIM_BALL,
                                 .x_mm = 200,
                                 .y_mm = 200,
                                 .force_n = 200,
                                 .estar_kpa = 300,
                                 .radius_mm = 31.75};
    struct rmat_sim_contact_truth t;
    (void)state;

    assert_true(fabs(rmat_sim_ball_radius_mm(200, 31.75, 300) - 25.1327) < 0.001);
    rmat_sim_contact_describe(&c, &t);
    assert_true(fabs(t.half_width_mm - 25.1327) < 0.001);
    assert_true(fabs(t.mean_kpa - 100.787) < 0.01);
    assert_true(fabs(t.peak_kpa - 151.18) < 0.01);
    /* Over a disc, var = a^2 / 5: sqrt(12/5) a = 38.936 mm. */
    assert_true(fabs(t.width_mm - 38.936) < 0.01);
}

/* Sum of p * a / 1000 over the grid is the force on it. */
static double grid_force(const double *p, int n, double pitch_mm)
{
    double f = 0;
    for (int k = 0; k < n; k++)
        f += p[k] * pitch_mm * pitch_mm / 1000.0;
    return f;
}

static void test_sim_pressure_integrates_to_force(void **state)
{
    static const double axes[] = {0, 30, 90, 117.5, -45};
    static const double at[][2] = {{203.2, 203.2}, {190.35, 177.8}, {210.1, 231.77}};
    double *p = calloc(32 * 32, sizeof *p);
    double worst = 0;
    (void)state;

    assert_non_null(p);
    for (size_t a = 0; a < sizeof axes / sizeof axes[0]; a++) {
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            struct rmat_sim_contact c = roller_at(at[i][0], at[i][1], axes[a]);
            const double ret = rmat_sim_pressure(32, 32, 12.7, &c, p);
            const double f = grid_force(p, 32 * 32, 12.7);
            const double err = fabs(f - 250) / 250;
            assert_true(fabs(ret - f) < 1e-9);
            assert_true(err < 0.01);
            if (err > worst)
                worst = err;
        }
    }
    {
        struct rmat_sim_contact c = {.shape = RMAT_SIM_BALL,
                                     .x_mm = 201.3,
                                     .y_mm = 188.9,
                                     .force_n = 200,
                                     .estar_kpa = 300,
                                     .radius_mm = 31.75};
        rmat_sim_pressure(32, 32, 12.7, &c, p);
        assert_true(fabs(grid_force(p, 32 * 32, 12.7) - 200) / 200 < 0.01);
    }
    print_message("sim: the worst roller's force on the grid is off F by %.2e\n", worst);
    free(p);
}

/* The Hertz pressure at (x, y), written out again here from the formulas
 * (half-widths by hand: b = 19.9471 mm, ball a = 25.1327 mm). */
static double hertz_at(int ball, double x, double y, double cx, double cy, double axis_deg)
{
    if (ball) {
        const double a = 25.1327, p0 = 3 * 200 / (2 * M_PI * a * a) * 1000;
        const double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        return r2 < a * a ? p0 * sqrt(1 - r2 / (a * a)) : 0;
    } else {
        const double b = 19.9471, p0 = 2 * 250 / (M_PI * b * 150) * 1000;
        const double th = axis_deg * M_PI / 180;
        const double u = (x - cx) * cos(th) + (y - cy) * sin(th);
        const double d = -(x - cx) * sin(th) + (y - cy) * cos(th);
        return fabs(u) <= 75 && fabs(d) < b ? p0 * sqrt(1 - d * d / (b * b)) : 0;
    }
}

/* Each sensel's value is the mean of the pressure over its area: checked
 * against a 200 x 200 point midpoint sum over the sensel. */
static void test_sim_pressure_is_sensel_mean(void **state)
{
    const double d = 12.7, cx = 197.3, cy = 209.6;
    double *p = calloc(32 * 32, sizeof *p);
    double worst = 0;
    (void)state;

    assert_non_null(p);
    for (int ball = 0; ball <= 1; ball++) {
        for (int axis = 0; axis <= 30; axis += 30) {
            struct rmat_sim_contact c = roller_at(cx, cy, axis);
            if (ball && axis)
                continue;
            if (ball) {
                c.shape = RMAT_SIM_BALL;
                c.force_n = 200;
                c.estar_kpa = 300;
                c.radius_mm = 31.75;
            }
            rmat_sim_pressure(32, 32, d, &c, p);
            /* the sensels around the centre: band, edges and outside */
            for (int i = 13; i <= 19; i++) {
                for (int j = 12; j <= 18; j++) {
                    const int n = 200;
                    double sum = 0;
                    for (int a = 0; a < n; a++)
                        for (int b = 0; b < n; b++)
                            sum += hertz_at(ball, (j + (b + 0.5) / n) * d, (i + (a + 0.5) / n) * d,
                                            cx, cy, axis);
                    sum /= (double)n * n;
                    if (fabs(p[i * 32 + j] - sum) > worst)
                        worst = fabs(p[i * 32 + j] - sum);
                    /* 0.5% of the peak: the midpoint sum's own error at the
                     * profile's square-root edges is about that. */
                    assert_true(fabs(p[i * 32 + j] - sum) < 0.005 * 150);
                }
            }
        }
    }
    print_message("sim: sensel means within %.3f kPa of a brute-force integral\n", worst);
    free(p);
}

/* counts = c_max x^k / (1 + x^k), x = p / p_ref: at p_ref, c_max / 2; at
 * 150 kPa with the defaults (50 kPa, k 1.3): 3^1.3 = 4.17116, so
 * 4095 * 4.17116 / 5.17116 = 3303.1. */
static void test_sim_fsr_curve_and_inverse(void **state)
{
    struct rmat_sim_sensor_model m;
    (void)state;

    rmat_sim_sensor_model_default(&m, 12);
    assert_true(m.c_max_counts == 4095);
    assert_true(fabs(rmat_sim_fsr_counts(&m, 50) - 2047.5) < 1e-9);
    assert_true(fabs(rmat_sim_fsr_counts(&m, 150) - 3303.1) < 0.1);
    assert_true(rmat_sim_fsr_counts(&m, 0) == 0);
    assert_true(rmat_sim_fsr_counts(&m, -3) == 0);
    /* The span of foam rolling, 5..150 kPa, takes most of the ADC. */
    assert_true(rmat_sim_fsr_counts(&m, 5) < 300);
    assert_true(rmat_sim_fsr_counts(&m, 150) > 3000);
    assert_true(rmat_sim_fsr_counts(&m, 150) < 4095 * 0.9);
    for (double p = 0.1; p < 1000; p *= 1.37) {
        const double c = rmat_sim_fsr_counts(&m, p);
        /* the analysis's calibration form: p = a (c / (c_max - c))^b */
        const double back = m.p_ref_kpa * pow(c / (m.c_max_counts - c), 1 / m.k);
        assert_true(fabs(rmat_sim_fsr_pressure_kpa(&m, c) - p) < 1e-9 * p);
        assert_true(fabs(back - p) < 1e-9 * p);
    }
    assert_true(rmat_sim_fsr_pressure_kpa(&m, 0) == 0);
    assert_true(isinf(rmat_sim_fsr_pressure_kpa(&m, 4095)));
}

static struct rmat_sim_sensor_model quiet_model(void)
{
    struct rmat_sim_sensor_model m;
    rmat_sim_sensor_model_default(&m, 12);
    m.gain_spread_pct = 0;
    m.noise_counts = 0;
    m.creep_pct = 0;
    m.crosstalk_row_pct = 0;
    m.crosstalk_col_pct = 0;
    return m;
}

static void test_sim_sensor_noise_floor(void **state)
{
    struct rmat_sim_sensor_model m;
    struct rmat_sim_sensor *s;
    double p[32 * 32] = {0}, sum = 0;
    uint16_t c[32 * 32];
    int zeros = 0, top = 0;
    (void)state;

    rmat_sim_sensor_model_default(&m, 12);
    assert_int_equal(rmat_sim_sensor_new(&m, 32, 32, 99, &s), RMAT_OK);
    for (int f = 0; f < 20; f++) {
        rmat_sim_sensor_read(s, p, f * 0.01, c);
        for (int k = 0; k < 32 * 32; k++) {
            sum += c[k];
            zeros += c[k] == 0;
            if (c[k] > top)
                top = c[k];
        }
    }
    /* Gaussian sigma 2 clipped at 0 and rounded: mean sigma / sqrt(2 pi)
     * = 0.8, half or more at 0, nothing past 6 sigma. */
    assert_true(sum / (20 * 1024) > 0.5 && sum / (20 * 1024) < 1.1);
    assert_true(zeros > 20 * 1024 / 2);
    assert_true(top <= 12);
    rmat_sim_sensor_free(s);
}

static void test_sim_sensor_gains_spread_by_seed(void **state)
{
    struct rmat_sim_sensor_model m;
    struct rmat_sim_sensor *a, *b, *c;
    double lo = 2, hi = 0;
    int same = 1, differ = 0;
    (void)state;

    rmat_sim_sensor_model_default(&m, 12);
    assert_int_equal(rmat_sim_sensor_new(&m, 32, 32, 1, &a), RMAT_OK);
    assert_int_equal(rmat_sim_sensor_new(&m, 32, 32, 1, &b), RMAT_OK);
    assert_int_equal(rmat_sim_sensor_new(&m, 32, 32, 2, &c), RMAT_OK);
    for (int k = 0; k < 1024; k++) {
        const double g = rmat_sim_sensor_gain(a, k);
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
        same &= g == rmat_sim_sensor_gain(b, k);
        differ += g != rmat_sim_sensor_gain(c, k);
    }
    /* +-5% uniform over 1024 sensels reaches near both ends. */
    assert_true(lo >= 0.95 && lo < 0.955);
    assert_true(hi <= 1.05 && hi > 1.045);
    assert_true(same);
    assert_true(differ > 1000);
    rmat_sim_sensor_free(a);
    rmat_sim_sensor_free(b);
    rmat_sim_sensor_free(c);
    assert_int_equal(rmat_sim_sensor_new(&m, 91, 91, 1, &a), RMAT_E_ARG);
    assert_null(a);
}

/* Creep: under a held load the counts rise to 1 + 0.04 (1 - e^(-t/20)):
 * after 40 s, 1 + 0.04 * 0.864665 = 1.034587; 30 s unloaded takes it back
 * by e^(-30/10) = 0.049787: 1 + 0.034587 * 0.049787 = 1.001722. */
static void test_sim_sensor_creep_rises_and_recovers(void **state)
{
    struct rmat_sim_sensor_model m = quiet_model();
    struct rmat_sim_sensor *s;
    double p[4 * 4] = {0};
    uint16_t c[4 * 4];
    double t = 0, c0;
    (void)state;

    m.creep_pct = 4;
    assert_int_equal(rmat_sim_sensor_new(&m, 4, 4, 3, &s), RMAT_OK);
    p[5] = 40;
    rmat_sim_sensor_read(s, p, t, c);
    c0 = c[5];
    assert_true(fabs(c0 - rmat_sim_fsr_counts(&m, 40)) <= 0.5);
    for (int i = 0; i < 400; i++)
        rmat_sim_sensor_read(s, p, t += 0.1, c);
    assert_true(fabs(c[5] / c0 - 1.034587) < 0.001);
    p[5] = 0;
    for (int i = 0; i < 300; i++)
        rmat_sim_sensor_read(s, p, t += 0.1, c);
    assert_int_equal(c[5], 0);
    p[5] = 40;
    rmat_sim_sensor_read(s, p, t += 1e-9, c);
    assert_true(fabs(c[5] / c0 - 1.001722) < 0.001);
    rmat_sim_sensor_free(s);
}

/* Crosstalk: with three sensels of a row at p_ref (2047.5 counts each),
 * 1% of the rest of the row and 0.5% of the rest of the column reach each
 * sensel: by hand, an unloaded one of that row reads 0.01 * 6142.5 = 61.4,
 * one below a loaded one 0.005 * 2047.5 = 10.2, a loaded one 2047.5 +
 * 0.01 * 4095 = 2088.45, any other 0. */
static void test_sim_sensor_crosstalk_of_rows_and_columns(void **state)
{
    struct rmat_sim_sensor_model m = quiet_model();
    struct rmat_sim_sensor *s;
    double p[6 * 6] = {0};
    uint16_t c[6 * 6];
    (void)state;

    m.crosstalk_row_pct = 1;
    m.crosstalk_col_pct = 0.5;
    assert_int_equal(rmat_sim_sensor_new(&m, 6, 6, 3, &s), RMAT_OK);
    p[2 * 6 + 1] = p[2 * 6 + 2] = p[2 * 6 + 3] = m.p_ref_kpa;
    rmat_sim_sensor_read(s, p, 0, c);
    assert_int_equal(c[2 * 6 + 2], 2088);
    assert_int_equal(c[2 * 6 + 5], 61);
    assert_int_equal(c[4 * 6 + 1], 10);
    assert_int_equal(c[4 * 6 + 4], 0);
    rmat_sim_sensor_free(s);
}

/* A scene with every directive; its numbers are worked out below. */
static const char good_scene[] =
    "# a test scene\n"
    "mat rows=20 cols=24 pitch_mm=10 rate_hz=50 adc_bits=10\n"
    "roller cylinder radius_mm=50 length_mm=100 axis_deg=0   # across x\n"
    "sensor p_ref_kpa=40 k=1.5 noise_counts=1 \\\n"
    "       crosstalk_row_pct=0.2\n"
    "tissue estar_kpa=500 soften_pct=20 soften=exponential\n"
    "\n"
    "force force_n=200\n"
    "seed 7\n"
    "roll duration_s=10 cadence_cpm=30 stroke_mm=100 centre_x_mm=120 centre_y_mm=100\n"
    "hold duration_s=5\n"
    "lift duration_s=2\n"
    "hold duration_s=4 x_mm=120 y_mm=80\n"
    "move x_mm=120 y_mm=130 duration_s=2 force_n=200..260\n"
    "roll passes=3 cadence_cpm=20 stroke_mm=100 centre_x_mm=120 centre_y_mm=100 first=-\n";

/* By hand: the first roll, 10 s at 30 cycles a minute, is 10 passes of 1 s
 * from the low end (y 50); hold 0 at (120, 50) from 10 s for 5 s; a lift
 * 15..17 s; hold 1 at (120, 80) 17..21 s; the move to y 130 is pass 10,
 * 21..23 s, 50 mm; the last roll picks the roller up at s = +30 mm going
 * down: its phase is 2 pi - acos(-0.6) = 4.068888, so the first stroke
 * (80 mm down) lasts acos(-0.6) / (2 pi 20 / 60) = 2.214297 / 2.094395 =
 * 1.057249 s, then two strokes of 1.5 s: 27.057249 s in all. */
#define T_END 27.057249

static void test_sim_scene_parses_good_scene(void **state)
{
    struct rmat_scene *sc;
    struct rmat_scene_state st;
    char err[300];
    (void)state;

    assert_int_equal(rmat_scene_parse(good_scene, "good.scene", &sc, err, sizeof err), RMAT_OK);
    assert_int_equal(sc->rows, 20);
    assert_int_equal(sc->cols, 24);
    assert_true(sc->pitch_mm == 10 && sc->rate_hz == 50);
    assert_int_equal(sc->sensor.adc_bits, 10);
    assert_true(sc->sensor.c_max_counts == 1023);
    assert_true(sc->sensor.p_ref_kpa == 40 && sc->sensor.k == 1.5);
    assert_true(sc->sensor.noise_counts == 1 && sc->sensor.crosstalk_row_pct == 0.2);
    assert_true(sc->sensor.crosstalk_col_pct == 0.1); /* the default */
    assert_int_equal(sc->shape, RMAT_SIM_CYLINDER);
    assert_true(sc->radius_mm == 50 && sc->length_mm == 100);
    assert_true(sc->seed == 7);
    assert_int_equal(sc->n_segments, 6);
    assert_int_equal(sc->seg[4].line, 14);
    assert_true(fabs(sc->duration_s - T_END) < 1e-5);
    assert_true(fabs(sc->rolling_axis_deg - 90) < 1e-9);

    assert_int_equal(sc->n_passes, 14);
    for (int i = 0; i < 10; i++) {
        assert_true(fabs(sc->passes[i].t_start_s - i) < 1e-9);
        assert_true(fabs(sc->passes[i].t_end_s - (i + 1)) < 1e-9);
        assert_int_equal(sc->passes[i].direction, i % 2 ? -1 : 1);
        assert_true(fabs(sc->passes[i].amplitude_mm - 100) < 1e-6);
    }
    assert_true(fabs(sc->passes[10].t_start_s - 21) < 1e-9);
    assert_true(fabs(sc->passes[10].t_end_s - 23) < 1e-9);
    assert_int_equal(sc->passes[10].direction, 1);
    assert_true(fabs(sc->passes[10].amplitude_mm - 50) < 1e-6);
    assert_true(fabs(sc->passes[11].t_end_s - 24.057249) < 1e-5);
    assert_int_equal(sc->passes[11].direction, -1);
    assert_true(fabs(sc->passes[11].amplitude_mm - 80) < 1e-6);
    assert_true(fabs(sc->passes[12].t_end_s - 25.557249) < 1e-5);
    assert_int_equal(sc->passes[12].direction, 1);
    assert_true(fabs(sc->passes[13].t_end_s - T_END) < 1e-5);
    assert_int_equal(sc->passes[13].direction, -1);

    assert_int_equal(sc->n_holds, 2);
    assert_true(sc->holds[0].t_start_s == 10 && sc->holds[0].duration_s == 5);
    assert_true(fabs(sc->holds[0].x_mm - 120) < 1e-9 && fabs(sc->holds[0].y_mm - 50) < 1e-9);
    assert_true(sc->holds[1].t_start_s == 17 && sc->holds[1].duration_s == 4);
    assert_true(sc->holds[1].x_mm == 120 && sc->holds[1].y_mm == 80);

    /* E* falls exponentially by 20% over the scene: 500 * 0.8^(1/2) =
     * 447.214 halfway, 400 at the end. */
    assert_true(fabs(rmat_scene_estar_kpa(sc, 0) - 500) < 1e-9);
    assert_true(fabs(rmat_scene_estar_kpa(sc, T_END / 2) - 447.214) < 0.001);
    assert_true(fabs(rmat_scene_estar_kpa(sc, T_END) - 400) < 1e-6);

    rmat_scene_eval(sc, 0.5, &st); /* mid-stroke: y = 100 - 50 cos(pi / 2) */
    assert_true(st.contact && st.pass == 0 && st.hold == -1);
    assert_true(fabs(st.x_mm - 120) < 1e-9 && fabs(st.y_mm - 100) < 1e-9);
    assert_true(fabs(st.s_mm) < 1e-9); /* the mat's centre is (120, 100) */
    rmat_scene_eval(sc, 12, &st);
    assert_true(st.contact && st.hold == 0 && st.pass == -1);
    assert_true(fabs(st.y_mm - 50) < 1e-9 && st.force_n == 200);
    rmat_scene_eval(sc, 16, &st);
    assert_false(st.contact);
    assert_true(st.force_n == 0);
    rmat_scene_eval(sc, 22, &st); /* half the move: 80 + 50 / 2, 230 N */
    assert_true(st.contact && st.pass == 10);
    assert_true(fabs(st.y_mm - 105) < 1e-9 && fabs(st.force_n - 230) < 1e-9);
    rmat_scene_free(sc);
}

struct bad_case {
    const char *text;
    const char *message;
};

static void test_sim_scene_errors_name_file_and_line(void **state)
{
    static const char roll[] = "roll duration_s=4 cadence_cpm=15 stroke_mm=100\n";
    static const struct bad_case cases[] = {
        {"mat rows=0 cols=32\nroll duration_s=4 cadence_cpm=15 stroke_mm=100\n",
         "t.scene:1: grid 0x32"},
        {"roll duration_s=10 stroke_mm=100\n", "t.scene:1: roll: cadence_cpm is missing"},
        {"\n# c\nroll duration_s=10 cadence_cpm=abc stroke_mm=100\n",
         "t.scene:3: roll: cadence_cpm=abc is not a number"},
        {"roler cylinder radius_mm=75\n", "t.scene:1: unknown directive 'roler'"},
        {"roll duration_s=5 cadence_cpm=20 stroke_mm=100 speed=3\n",
         "t.scene:1: roll: unknown key 'speed'"},
        {"mat rows=32\nmat cols=32\n", "t.scene:2: mat given twice (first at line 1)"},
        {"lift duration_s=1\nmove x_mm=100 y_mm=100 duration_s=1\n",
         "t.scene:2: move: the roller is not on the mat"},
        {"roll duration_s=4 cadence_cpm=15 stroke_mm=100\nhold duration_s=2 x_mm=10 y_mm=10\n",
         "t.scene:2: hold: the roller is at (203.2, 153.2) mm"},
        {"roll duration_s=4 cadence_cpm=15 stroke_mm=100\n"
         "roll duration_s=4 cadence_cpm=15 stroke_mm=100 centre_x_mm=150\n",
         "t.scene:2: roll: the roller is at (203.2, 153.2) mm, off the line"},
        {"# nothing\n", "t.scene: no segments"},
        {"roll duration_s=4 cadence_cpm=15 stroke_mm=380\n",
         "t.scene:1: the contact leaves the 406.4 x 406.4 mm mat"},
        {"tissue estar_kpa=400 soften=fast\n", "t.scene:1: tissue: soften=fast"},
        {"roll passes=2 duration_s=3 cadence_cpm=20 stroke_mm=100\n",
         "t.scene:1: roll: give duration_s or passes, not both"},
        {"force force_n=-5\n", "t.scene:1: force: force_n=-5 is out of range"},
        {"roller cone radius_mm=3\n", "t.scene:1: roller: say 'roller cylinder"},
        {"roller cylinder radius_mm=75\n", "t.scene:1: roller: length_mm is missing"},
        {"roll duration_s=4 \\\n  cadence_cpm=15\n", "t.scene:1: roll: stroke_mm is missing"},
        {"seed -4\n", "t.scene:1: seed: '-4' is not a whole number"},
        {"hold duration_s=3\n", "t.scene:1: hold: the roller is not on the mat"},
        {"roll duration_s=4 cadence_cpm=15 stroke_mm=100 force_n=10..x\n",
         "t.scene:1: roll: force_n=10..x is not a number or a ramp"},
        {"sensor k=0\n", "t.scene:1: sensor: k=0 is out of range"},
    };
    struct rmat_scene *sc = (struct rmat_scene *)1;
    char err[400];
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = rmat_scene_parse(cases[i].text, "t.scene", &sc, err, sizeof err);
        if (rc != RMAT_E_FORMAT || !strstr(err, cases[i].message))
            fail_msg("case %zu: rc %d, message '%s', want '%s'", i, rc, err, cases[i].message);
        assert_null(sc);
    }
    /* The roll on its own is fine: the cases fail for their own reason. */
    assert_int_equal(rmat_scene_parse(roll, "t.scene", &sc, err, sizeof err), RMAT_OK);
    rmat_scene_free(sc);
    assert_int_equal(rmat_scene_load("/nonexistent/x.scene", &sc, err, sizeof err),
                     RMAT_E_NOTFOUND);
    assert_null(sc);
    assert_non_null(strstr(err, "/nonexistent/x.scene"));
}

static double json_number(const char *json, const char *key)
{
    char pat[80];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(json, pat);
    assert_non_null(p);
    return strtod(p + strlen(pat), NULL);
}

/* truth.json lists the scene's passes and holds as the scene file has
 * them, and the curve to invert the counts with. */
static void test_sim_truth_json_lists_passes_and_holds(void **state)
{
    struct rmat_scene *sc;
    struct rmat_vmat *vm;
    struct rmat_vmat_stats st;
    struct rmat_truth_run run = {0};
    char dir[512], path[700], err[300];
    char *json, *p;
    uint16_t counts[20 * 24];
    int n = 0;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("sim-truth", dir, sizeof dir), 0);
    assert_int_equal(rmat_scene_parse(good_scene, "good.scene", &sc, err, sizeof err), RMAT_OK);
    assert_int_equal(rmat_vmat_new(sc, 0, &vm), RMAT_OK);
    for (int i = 0; i < 100; i++)
        rmat_vmat_frame(vm, i * 0.02, counts, NULL);
    rmat_vmat_stats(vm, &st);
    run.link = "tcp";
    snprintf(path, sizeof path, "%s/truth.json", dir);
    assert_int_equal(rmat_truth_write_json(path, sc, &st, NULL, &run), RMAT_OK);
    json = rmat_test_slurp(path, NULL);
    assert_non_null(json);

    assert_true(json_number(json, "frames_sent") == 0);
    assert_true(json_number(json, "c_max") == 1023);
    assert_true(json_number(json, "p_ref_kpa") == 40);
    assert_true(json_number(json, "k") == 1.5);
    /* the first 2 s: the roller F = 200 N, E* from 500 down a little */
    assert_true(json_number(json, "mean_force_n") == 200);
    p = strstr(json, "\"passes\": [");
    assert_non_null(p);
    while ((p = strstr(p + 1, "{\"index\": ")) != NULL && p < strstr(json, "\"holds\": ["))
        n++;
    assert_int_equal(n, 14);
    p = strstr(json, "{\"index\": 11,");
    assert_non_null(p);
    assert_true(fabs(json_number(p, "t_start_s") - 23) < 1e-6);
    assert_true(fabs(json_number(p, "t_end_s") - 24.057249) < 1e-5);
    assert_true(json_number(p, "direction") == -1);
    assert_true(fabs(json_number(p, "amplitude_mm") - 80) < 1e-6);
    p = strstr(json, "\"holds\": [");
    p = strstr(p, "{\"index\": 1,");
    assert_non_null(p);
    assert_true(json_number(p, "t_start_s") == 17 && json_number(p, "duration_s") == 4);
    assert_true(json_number(p, "x_mm") == 120 && json_number(p, "y_mm") == 80);
    p = strstr(json, "{\"t_s\": 27, \"estar_kpa\": ");
    assert_non_null(p);
    assert_true(fabs(json_number(p, "estar_kpa") - 500 * pow(0.8, 27 / T_END)) < 1e-4);
    free(json);
    rmat_vmat_free(vm);
    rmat_scene_free(sc);
}

/* The built-in scene: the counts, through the inverse curve, put the
 * centre of pressure where the truth says the roller is. */
static void test_sim_default_scene_counts_follow_truth(void **state)
{
    struct rmat_scene *sc;
    struct rmat_vmat *vm;
    char text[2048], err[300];
    uint16_t counts[32 * 32];
    double worst = 0;
    (void)state;

    assert_true(rmat_scene_default_text(text, sizeof text, 32, 32, 12.7, 100, 250, 4, 600) > 0);
    assert_int_equal(rmat_scene_parse(text, "<built-in>", &sc, err, sizeof err), RMAT_OK);
    assert_true(sc->duration_s == 600 && sc->n_passes == 300 && sc->n_holds == 0);
    assert_int_equal(rmat_vmat_new(sc, 0, &vm), RMAT_OK);
    for (int f = 0; f < 400; f++) {
        struct rmat_vmat_truth t;
        double w = 0, wx = 0, wy = 0;
        rmat_vmat_frame(vm, f * 0.01, counts, &t);
        assert_true(t.contact);
        assert_true(fabs(t.grid_force_n - 250) < 0.01);
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++) {
                const double p = rmat_sim_fsr_pressure_kpa(&sc->sensor, counts[i * 32 + j]);
                if (p < 5)
                    continue;
                w += p;
                wx += p * (j + 0.5) * 12.7;
                wy += p * (i + 0.5) * 12.7;
            }
        if (hypot(wx / w - t.cop_x_mm, wy / w - t.cop_y_mm) > worst)
            worst = hypot(wx / w - t.cop_x_mm, wy / w - t.cop_y_mm);
    }
    print_message("sim: built-in scene, worst CoP from counts %.2f mm off the truth\n", worst);
    assert_true(worst < 12.7 / 2);
    rmat_vmat_free(vm);
    rmat_scene_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_line_contact_by_hand),
        cmocka_unit_test(test_sim_ball_contact_by_hand),
        cmocka_unit_test(test_sim_pressure_integrates_to_force),
        cmocka_unit_test(test_sim_pressure_is_sensel_mean),
        cmocka_unit_test(test_sim_fsr_curve_and_inverse),
        cmocka_unit_test(test_sim_sensor_noise_floor),
        cmocka_unit_test(test_sim_sensor_gains_spread_by_seed),
        cmocka_unit_test(test_sim_sensor_creep_rises_and_recovers),
        cmocka_unit_test(test_sim_sensor_crosstalk_of_rows_and_columns),
        cmocka_unit_test(test_sim_scene_parses_good_scene),
        cmocka_unit_test(test_sim_scene_errors_name_file_and_line),
        cmocka_unit_test(test_sim_truth_json_lists_passes_and_holds),
        cmocka_unit_test(test_sim_default_scene_counts_follow_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
