/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the live view's model and hub (web/model.c, web/hub.c;
 * docs/live.md): a known frame gives the metrics' numbers and a map of the
 * colour scale, counts are said as counts, the hold timer starts by the
 * analysis's rule, the snapshot hub hands out the latest with references,
 * and the bands parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/calib.h"
#include "rollmat/live.h"

static struct rmat_device_desc mat(int rows, int cols)
{
    struct rmat_device_desc d;
    memset(&d, 0, sizeof d);
    d.rows = rows;
    d.cols = cols;
    d.adc_bits = 12;
    d.pitch_x_mm = 10;
    d.pitch_y_mm = 10;
    d.rate_hz = 100;
    d.serial = 7;
    return d;
}

/* A linear calibration: 0.1 kPa a count. */
static struct rmat_calib *linear(void)
{
    struct rmat_calib *c = rmat_calib_new();
    assert_non_null(c);
    c->curve = RMAT_CURVE_LINEAR;
    c->kpa_per_count = 0.1;
    c->zero_counts = 0;
    return c;
}

static void test_live_model_frame_numbers(void **state)
{
    (void)state;
    /* 8x8, a 2x3 block of 500 counts (50 kPa) at rows 2-3, cols 4-6: force
     * = 6 * 50 kPa * 100 mm² / 1000 = 30 N, area 6 cm², CoP at the block's
     * centre x = 5.5 * 10 = 55 mm, y = 3 * 10 = 30 mm. */
    struct rmat_device_desc d = mat(8, 8);
    struct rmat_calib *cal = linear();
    struct rmat_live_model *m = NULL;
    struct rmat_live_numbers v;
    struct rmat_live_text t = {0};
    uint16_t raw[64] = {0};
    for (int i = 2; i <= 3; i++)
        for (int j = 4; j <= 6; j++)
            raw[i * 8 + j] = 500;
    assert_int_equal(rmat_live_model_new(NULL, NULL, &m, NULL), RMAT_OK);
    assert_int_equal(rmat_live_model_configure(m, &d, cal, NULL), RMAT_OK);
    rmat_live_model_frame(m, 10, 1000000, raw);
    rmat_live_model_numbers(m, &v);
    assert_true(fabs(v.m.force_n - 30) < 1e-9);
    assert_true(fabs(v.m.area_cm2 - 6) < 1e-9);
    assert_true(fabs(v.m.cop_x_mm - 55) < 1e-9);
    assert_true(fabs(v.m.cop_y_mm - 30) < 1e-9);
    assert_int_equal(v.calibrated, 1);
    assert_int_equal(rmat_live_model_json(m, &t), 0);
    assert_non_null(strstr(t.s, "\"units\":\"kPa\""));
    assert_non_null(strstr(t.s, "\"force_n\":30,"));
    assert_non_null(strstr(t.s, "\"scale_max\":150,"));
    /* 64 bytes of map: 88 base64 characters; 50/150 of 255 = 85 = 0x55. */
    const char *map = strstr(t.s, "\"map\":\"") + 7;
    assert_int_equal(strchr(map, '"') - map, 88);
    /* A frame lost on the link is counted. */
    rmat_live_model_frame(m, 12, 1020000, raw);
    rmat_live_model_numbers(m, &v);
    assert_int_equal(v.seq_lost, 1);
    assert_true(fabs(v.t_s - 0.02) < 1e-12);

    /* Without calibration: counts, and force as the raw sum (analysis). */
    assert_int_equal(rmat_live_model_configure(m, &d, NULL, NULL), RMAT_OK);
    rmat_live_model_frame(m, 1, 0, raw);
    rmat_live_model_numbers(m, &v);
    assert_int_equal(v.calibrated, 0);
    assert_true(fabs(v.m.force_n - 3000) < 1e-9);
    assert_int_equal(rmat_live_model_json(m, &t), 0);
    assert_non_null(strstr(t.s, "\"units\":\"counts\""));
    assert_non_null(strstr(t.s, "\"scale_max\":4095,"));

    /* A grid it cannot show, gains of another mat. */
    struct rmat_device_desc bad = mat(0, 8);
    assert_int_equal(rmat_live_model_configure(m, &bad, NULL, NULL), RMAT_E_FORMAT);
    float gains[4] = {1, 1, 1, 1};
    assert_int_equal(rmat_calib_set_gains(cal, 2, 2, gains), RMAT_OK);
    assert_int_equal(rmat_live_model_configure(m, &d, cal, NULL), RMAT_E_FORMAT);
    rmat_live_text_fini(&t);
    rmat_live_model_free(m);
    rmat_calib_free(cal);
}

static void test_live_model_hold_timer(void **state)
{
    (void)state;
    /* A block rolling 100 mm/s for 2 s, then still for 10 s at 100 Hz: the
     * timer appears 3 s into the stillness (the analysis's hold_min_s)
     * showing about 3 s, and counts on with the frames. */
    struct rmat_device_desc d = mat(40, 8);
    struct rmat_calib *cal = linear();
    struct rmat_live_model *m = NULL;
    struct rmat_live_numbers v;
    uint16_t raw[320];
    double first_shown = NAN;
    assert_int_equal(rmat_live_model_new(NULL, NULL, &m, NULL), RMAT_OK);
    assert_int_equal(rmat_live_model_configure(m, &d, cal, NULL), RMAT_OK);
    for (int k = 0; k < 1200; k++) {
        const double t = k / 100.0;
        const int row = t < 2 ? (int)(t * 10) : 20;
        memset(raw, 0, sizeof raw);
        for (int j = 2; j < 6; j++)
            raw[row * 8 + j] = raw[(row + 1) * 8 + j] = 600;
        rmat_live_model_frame(m, (uint32_t)k, (uint64_t)(t * 1e6), raw);
        rmat_live_model_numbers(m, &v);
        if (v.holding && isnan(first_shown)) {
            first_shown = t;
            assert_true(v.hold_s >= 3.0 && v.hold_s < 3.05);
        }
    }
    assert_true(first_shown >= 0); /* shown at all */
    assert_true(v.holding);
    assert_true(fabs(v.hold_s - (11.99 - v.hold_start_s)) < 1e-9);
    /* The hold starts as the roller stops, give or take the radius. */
    assert_true(v.hold_start_s > 1.5 && v.hold_start_s <= 2.0);
    rmat_live_model_free(m);
    rmat_calib_free(cal);
}

static void test_live_hub_latest_with_references(void **state)
{
    (void)state;
    struct rmat_live_hub *h = NULL;
    assert_int_equal(rmat_live_hub_new(&h), RMAT_OK);
    assert_null(rmat_live_hub_get(h));
    assert_int_equal(rmat_live_hub_seq(h), 0);
    assert_int_equal(rmat_live_hub_publish(h, "{\"a\":1}", 7), 0);
    struct rmat_live_snap *s1 = rmat_live_hub_get(h);
    assert_int_equal(s1->seq, 1);
    assert_string_equal(s1->text, "{\"a\":1}");
    /* A newer one replaces it for new readers; the old stays valid for
     * whoever holds it. */
    assert_int_equal(rmat_live_hub_publish(h, "{\"a\":2}", 7), 0);
    struct rmat_live_snap *s2 = rmat_live_hub_get(h);
    assert_int_equal(s2->seq, 2);
    assert_string_equal(s1->text, "{\"a\":1}");
    rmat_live_hub_put(h, s1);
    rmat_live_hub_put(h, s2);
    rmat_live_hub_put(h, NULL);
    assert_int_equal(rmat_live_hub_seq(h), 2);
    rmat_live_hub_free(h);
}

static void test_live_bands(void **state)
{
    (void)state;
    struct rmat_live_targets t;
    double lo, hi;
    assert_int_equal(rmat_live_band_parse("30-45", &lo, &hi), 0);
    assert_true(lo == 30 && hi == 45);
    assert_int_equal(rmat_live_band_parse("0.5-0.5", &lo, &hi), 0);
    assert_int_equal(rmat_live_band_parse("45-30", &lo, &hi), -1);
    assert_int_equal(rmat_live_band_parse("-1-3", &lo, &hi), -1);
    assert_int_equal(rmat_live_band_parse("30", &lo, &hi), -1);
    assert_int_equal(rmat_live_band_parse("30-", &lo, &hi), -1);
    assert_int_equal(rmat_live_band_parse("a-b", &lo, &hi), -1);
    assert_int_equal(rmat_live_band_parse("30-nan", &lo, &hi), -1);
    rmat_live_targets_init(&t);
    assert_int_equal(rmat_live_targets_check(&t, NULL), RMAT_OK);
    t.zone_lo_kpa = 20;
    assert_int_equal(rmat_live_targets_check(&t, NULL), RMAT_E_ARG); /* half a zone */
    t.zone_hi_kpa = 40;
    assert_int_equal(rmat_live_targets_check(&t, NULL), RMAT_OK);
    t.scale_max_kpa = 0;
    assert_int_equal(rmat_live_targets_check(&t, NULL), RMAT_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_model_frame_numbers),
        cmocka_unit_test(test_live_model_hold_timer),
        cmocka_unit_test(test_live_hub_latest_with_references),
        cmocka_unit_test(test_live_bands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
