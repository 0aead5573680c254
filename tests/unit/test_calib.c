/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of calibration (analysis/calib.c, calib_h5.c; include/rollmat/
 * calib.h): the text format and its errors, each curve's value at counts
 * worked out by hand, the lookup table, fitting known loads, equilibration
 * gains, and /calibration in a recording. */
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
#include "rollmat/calib.h"
#include "rollmat/calibrate.h"
#include "rollmat/reader.h"
#include "rollmat/recording.h"

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("\"%s\" not found in \"%s\"\n", needle, hay);
        fail();
    }
}

static void close_to(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want) + 1e-300)) {
        print_error("got %.17g, want %.17g\n", got, want);
        fail();
    }
}

static struct rmat_calib *parse_ok(const char *text)
{
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    int rc = rmat_calib_parse(text, "t.cal", &c, &ei);
    if (rc != RMAT_OK) {
        print_error("parse failed: %s\n", ei.msg);
        fail();
    }
    assert_non_null(c);
    return c;
}

/* Parsing must fail with code and a message holding every needle. */
static void parse_bad(const char *text, int code, const char *needle1, const char *needle2)
{
    struct rmat_calib *c = (struct rmat_calib *)1;
    struct rmat_errinfo ei;
    assert_int_equal(rmat_calib_parse(text, "t.cal", &c, &ei), code);
    assert_null(c);
    expect_in(ei.msg, "t.cal");
    if (needle1)
        expect_in(ei.msg, needle1);
    if (needle2)
        expect_in(ei.msg, needle2);
}

static void test_calib_divider_by_hand(void **state)
{
    (void)state;
    struct rmat_calib *c = parse_ok("rollmat-calibration 1\n"
                                    "# a comment line\n"
                                    "name  virtual mat 7   \n"
                                    "curve divider   # FSR in a divider\n"
                                    "a_kpa 40\n"
                                    "b 0.8\n"
                                    "c_max_counts 4095\n");
    assert_string_equal(c->name, "virtual mat 7");
    assert_int_equal(c->curve, RMAT_CURVE_DIVIDER);
    /* c = 1365: c / (4095 - c) = 1365 / 2730 = 0.5, and 0.5^0.8 =
     * exp(-0.8 ln 2) = 0.574349177498517, so p = 40 * that = 22.97396710. */
    close_to(rmat_calib_curve_kpa(c, 1365, 4095), 22.9739670999407, 1e-12);
    /* c = 0 reads 0; at full scale the count stands in as 4094.5:
     * 4094.5 / 0.5 = 8189, p = 40 * 8189^0.8. */
    assert_true(rmat_calib_curve_kpa(c, 0, 4095) == 0.0);
    close_to(rmat_calib_curve_kpa(c, 4095, 4095), 40.0 * pow(8189.0, 0.8), 1e-12);
    close_to(rmat_calib_curve_kpa(c, 60000, 4095), 40.0 * pow(8189.0, 0.8), 1e-12);
    assert_int_equal(rmat_calib_check(c, 32, 32, "t.cal", NULL), RMAT_OK);
    rmat_calib_free(c);
}

static void test_calib_linear_power_table_by_hand(void **state)
{
    (void)state;
    struct rmat_calib *c;

    /* linear: 0.025 kPa per count above 100 counts: 500 -> 10 kPa, 50 -> 0. */
    c = parse_ok("rollmat-calibration 1\ncurve linear\nkpa_per_count 0.025\nzero_counts 100\n");
    close_to(rmat_calib_curve_kpa(c, 500, 4095), 10.0, 1e-15);
    assert_true(rmat_calib_curve_kpa(c, 50, 4095) == 0.0);
    rmat_calib_free(c);

    /* power: 100 kPa * (c / 4095)^2 at c = 819 = 4095 / 5: 100 / 25 = 4. c_max
     * absent: the ADC's full scale given to the call. */
    c = parse_ok("rollmat-calibration 1\ncurve power\na_kpa 100\nb 2\n");
    assert_true(isnan(c->c_max_counts));
    close_to(rmat_calib_curve_kpa(c, 819, 4095), 4.0, 1e-14);
    rmat_calib_free(c);

    /* table: (100, 2) (300, 10) (1000, 50). 50 counts: halfway from (0, 0)
     * to the first point, 1 kPa; 200: halfway along the second segment, 6;
     * 100: the point itself; beyond the last point: held at 50. */
    c = parse_ok("rollmat-calibration 1\ncurve table\npoint 100 2\npoint 300 10\n"
                 "point 1000 50\n");
    assert_int_equal(c->n_points, 3);
    close_to(rmat_calib_curve_kpa(c, 50, 4095), 1.0, 1e-15);
    close_to(rmat_calib_curve_kpa(c, 200, 4095), 6.0, 1e-15);
    close_to(rmat_calib_curve_kpa(c, 100, 4095), 2.0, 1e-15);
    close_to(rmat_calib_curve_kpa(c, 4000, 4095), 50.0, 1e-15);
    rmat_calib_free(c);
}

static void test_calib_lut_and_identity(void **state)
{
    (void)state;
    double lut[1 << 12];
    struct rmat_calib *c = parse_ok("rollmat-calibration 1\ncurve linear\nkpa_per_count 0.5\n");

    assert_int_equal(rmat_calib_lut(NULL, 12, lut), 4096);
    assert_true(lut[0] == 0.0 && lut[4095] == 4095.0 && lut[17] == 17.0);
    assert_int_equal(rmat_calib_lut(c, 12, lut), 4096);
    assert_true(lut[4095] == 2047.5 && lut[2] == 1.0);
    for (int k = 1; k < 4096; k++)
        assert_true(lut[k] >= lut[k - 1]);
    rmat_calib_free(c);
    c = rmat_calib_new();
    assert_int_equal(rmat_calib_lut(c, 12, lut), RMAT_E_ARG); /* no curve */
    rmat_calib_free(c);
}

static void test_calib_bad_text(void **state)
{
    (void)state;
    /* A table whose counts go back: the line is named. */
    parse_bad("rollmat-calibration 1\ncurve table\npoint 100 2\npoint 300 10\npoint 200 15\n",
              RMAT_E_FORMAT, "line 5", "not monotone");
    /* kPa falling. */
    parse_bad("rollmat-calibration 1\ncurve table\npoint 100 20\npoint 300 10\n", RMAT_E_FORMAT,
              "line 4", "kPa falls");
    /* NaN and infinity in parameters. */
    parse_bad("rollmat-calibration 1\ncurve divider\na_kpa nan\nb 1\n", RMAT_E_FORMAT, "line 3",
              "finite number");
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count inf\n", RMAT_E_FORMAT, "line 3",
              "finite");
    parse_bad("rollmat-calibration 1\ncurve power\na_kpa -3\nb 1\n", RMAT_E_FORMAT, "line 3",
              "positive");
    parse_bad("rollmat-calibration 1\ncurve quadratic\n", RMAT_E_FORMAT, "line 2", "quadratic");
    parse_bad("rollmat-calibration 1\ncurve linear\nslope 3\n", RMAT_E_FORMAT, "line 3",
              "unknown keyword 'slope'");
    parse_bad("curve linear\n", RMAT_E_FORMAT, "line 1", "first line");
    parse_bad("", RMAT_E_FORMAT, "empty", NULL);
    parse_bad("rollmat-calibration 2\ncurve linear\n", RMAT_E_NEWER, "version 2", "upgrade");
    parse_bad("rollmat-calibration 1\ncurve divider\na_kpa 4\n", RMAT_E_FORMAT, "needs a_kpa and b",
              NULL);
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1 2\n", RMAT_E_FORMAT, "line 3",
              "one value");
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\nkpa_per_count 2\n",
              RMAT_E_FORMAT, "line 4", "twice");
    /* Gains: a short row, a negative gain, the text ending inside. */
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains 2 3\n1 1 1\n1 1\n",
              RMAT_E_FORMAT, "line 6", "3 numbers");
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains 1 2\n1 -1\n",
              RMAT_E_FORMAT, "line 5", "-1");
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains 2 2\n1 1\n",
              RMAT_E_FORMAT, "ends inside the gains", NULL);
    parse_bad("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains 2 2\n1 nan\n1 1\n",
              RMAT_E_FORMAT, "line 5", "nan");
}

static void test_calib_gains_inline_file_and_check(void **state)
{
    (void)state;
    char dir[512], path[700], gpath[700];
    struct rmat_calib *c;
    struct rmat_errinfo ei;
    FILE *f;

    c = parse_ok("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\n"
                 "gains 2 3   # rows cols\n1 1.5 2\n\n# a comment between rows\n0.5 1 1\n");
    assert_int_equal(c->gain_rows, 2);
    assert_int_equal(c->gain_cols, 3);
    assert_true(c->gains[1] == 1.5f && c->gains[3] == 0.5f);
    assert_int_equal(rmat_calib_check(c, 2, 3, "t.cal", &ei), RMAT_OK);
    /* Gains of another mat are refused, naming both sizes. */
    assert_int_equal(rmat_calib_check(c, 32, 32, "t.cal", &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "2x3");
    expect_in(ei.msg, "32x32");
    rmat_calib_free(c);

    /* gains_file, relative to the calibration file. */
    assert_int_equal(rmat_test_tmpdir("calib_gains", dir, sizeof dir), 0);
    snprintf(gpath, sizeof gpath, "%s/mat.gains", dir);
    f = fopen(gpath, "w");
    assert_non_null(f);
    fputs("rollmat-calibration 1\nname equilibrated\ngains 1 2\n2 0.25\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/mat.cal", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains_file mat.gains\n", f);
    fclose(f);
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_OK);
    assert_int_equal(c->gain_rows, 1);
    assert_true(c->gains[0] == 2.0f && c->gains[1] == 0.25f);
    rmat_calib_free(c);
    /* A gains file that is not there: the calibration's line is named. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains_file nope.gains\n", f);
    fclose(f);
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_E_NOTFOUND);
    expect_in(ei.msg, "line 4");
    expect_in(ei.msg, "nope.gains");
    assert_int_equal(rmat_calib_load("/nonexistent/x.cal", &c, &ei), RMAT_E_NOTFOUND);
    expect_in(ei.msg, "/nonexistent/x.cal");
}

/* Issue 13, finding 1: a gains_file that names itself, or a cycle of
 * files, recursed until the stack overflowed (SIGSEGV). Now the cycle is
 * an error naming the file, and a chain deeper than
 * RMAT_CALIB_MAX_GAINS_DEPTH files is refused even without a cycle. */
/* Found by fuzz_calib: a divider (or power) curve with c_max_counts of 1
 * or less parsed, and every recording then refused the calibration.
 * Parsing refuses it now, with the check's message. */
static void test_calib_c_max_counts_refused_at_parse(void **state)
{
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_calib_parse("rollmat-calibration 1\ncurve divider\na_kpa 50\n"
                                      "b 0.77\nc_max_counts .0830\n",
                                      "t.cal", &c, &ei),
                     RMAT_E_FORMAT);
    assert_null(c);
    expect_in(ei.msg, "c_max_counts");
    expect_in(ei.msg, "must exceed 1");
}

static void write_text(const char *path, const char *text);

static void test_calib_gains_file_cycle_and_depth(void **state)
{
    (void)state;
    char dir[512], path[700], other[700];
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("calib_cycle", dir, sizeof dir), 0);
    /* self.cal -> self.cal */
    rmat_test_pathf(path, sizeof path, "%s/self.cal", dir);
    write_text(path, "rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains_file self.cal\n");
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_E_FORMAT);
    assert_null(c);
    expect_in(ei.msg, "self.cal");
    expect_in(ei.msg, "cycle");
    /* a.cal -> b.cal -> a.cal */
    rmat_test_pathf(path, sizeof path, "%s/a.cal", dir);
    rmat_test_pathf(other, sizeof other, "%s/b.cal", dir);
    write_text(path, "rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains_file b.cal\n");
    write_text(other, "rollmat-calibration 1\ngains_file a.cal\n");
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "cycle");
    /* A chain d0 -> d1 -> ... -> d20 without a cycle: deeper than the
     * bound, refused with a message saying so. */
    for (int k = 0; k <= 20; k++) {
        char text[200];
        rmat_test_pathf(path, sizeof path, "%s/d%d.cal", dir, k);
        if (k < 20)
            snprintf(text, sizeof text, "rollmat-calibration 1\ngains_file d%d.cal\n", k + 1);
        else
            snprintf(text, sizeof text, "rollmat-calibration 1\ngains 1 1\n2\n");
        write_text(path, text);
    }
    rmat_test_pathf(path, sizeof path, "%s/d0.cal", dir);
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "deep");
    /* Within the bound the chain is followed: d18 -> d19 -> d20 gives
     * d20's one gain, 2. */
    rmat_test_pathf(path, sizeof path, "%s/d18.cal", dir);
    assert_int_equal(rmat_calib_load(path, &c, &ei), RMAT_OK);
    assert_true(c->gains[0] == 2.0f);
    rmat_calib_free(c);
}

static void test_calib_save_load_round_trip(void **state)
{
    (void)state;
    char dir[512], path[700];
    struct rmat_calib *c, *d;
    struct rmat_errinfo ei;
    const float g[6] = {1.0f, 0.9f, 1.1f, 1.25f, 0.75f, 1.0f / 3.0f};

    assert_int_equal(rmat_test_tmpdir("calib_save", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/out.cal", dir);
    c = parse_ok("rollmat-calibration 1\nname round trip\ncurve divider\na_kpa 41.123456789\n"
                 "b 0.812345678901\nc_max_counts 4095\n");
    assert_int_equal(rmat_calib_set_gains(c, 2, 3, g), RMAT_OK);
    assert_int_equal(rmat_calib_save(c, path, &ei), RMAT_OK);
    assert_int_equal(rmat_calib_load(path, &d, &ei), RMAT_OK);
    assert_string_equal(d->name, "round trip");
    assert_int_equal(d->curve, RMAT_CURVE_DIVIDER);
    assert_true(d->a_kpa == c->a_kpa && d->b == c->b && d->c_max_counts == 4095);
    assert_int_equal(d->gain_rows, 2);
    for (int k = 0; k < 6; k++)
        assert_true(d->gains[k] == g[k]); /* %.9g holds a float exactly */
    rmat_calib_free(d);
    rmat_calib_free(c);

    c = parse_ok("rollmat-calibration 1\ncurve table\npoint 0 0\npoint 10.5 1.25\n");
    assert_int_equal(rmat_calib_save(c, path, &ei), RMAT_OK);
    assert_int_equal(rmat_calib_load(path, &d, &ei), RMAT_OK);
    assert_int_equal(d->n_points, 2);
    assert_true(d->point_counts[1] == 10.5 && d->point_kpa[1] == 1.25);
    rmat_calib_free(d);
    rmat_calib_free(c);
    assert_int_equal(rmat_calib_save(c = parse_ok("rollmat-calibration 1\ncurve linear\n"
                                                  "kpa_per_count 1\n"),
                                     "/nonexistent/dir/x.cal", &ei),
                     RMAT_E_NOTFOUND);
    expect_in(ei.msg, "/nonexistent/dir/x.cal");
    rmat_calib_free(c);
}

/* The sensor's correction keys: parsed, defaulted, range-checked with the
 * line named, refused without their partner, saved and read back, and
 * carried through a recording's /calibration. */
static void test_calib_correction_keys(void **state)
{
    (void)state;
    char dir[512], path[700];
    struct rmat_calib *c, *d, *back = NULL;
    struct rmat_errinfo ei;
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_reader *r = NULL;
    uint16_t raw[6] = {0};
    static const char base[] = "rollmat-calibration 1\ncurve divider\na_kpa 50\nb 0.77\n";
    char text[512];

    /* Without the keys: no correction. */
    c = parse_ok(base);
    assert_false(rmat_calib_has_crosstalk(c));
    assert_false(rmat_calib_has_creep(c));
    rmat_calib_free(c);

    /* With them; the creep's optional keys take their defaults. */
    snprintf(text, sizeof text,
             "%scrosstalk_row_pct 0.1\ncrosstalk_col_pct 0\ncreep_pct 4\ncreep_tau_s 20\n", base);
    c = parse_ok(text);
    assert_true(rmat_calib_has_crosstalk(c) && rmat_calib_has_creep(c));
    assert_true(c->crosstalk_row_pct == 0.1 && c->crosstalk_col_pct == 0);
    assert_true(c->creep_pct == 4 && c->creep_tau_s == 20);
    assert_true(c->creep_recover_tau_s == 20);                   /* = creep_tau_s */
    assert_true(c->creep_load_kpa == RMAT_CALIB_CREEP_LOAD_KPA); /* 2 kPa */

    /* Saved and loaded back exactly. */
    assert_int_equal(rmat_test_tmpdir("calib_corr", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/corr.cal", dir);
    c->creep_recover_tau_s = 9.5;
    assert_int_equal(rmat_calib_save(c, path, &ei), RMAT_OK);
    assert_int_equal(rmat_calib_load(path, &d, &ei), RMAT_OK);
    assert_true(d->crosstalk_row_pct == 0.1 && d->crosstalk_col_pct == 0);
    assert_true(d->creep_pct == 4 && d->creep_tau_s == 20 && d->creep_recover_tau_s == 9.5 &&
                d->creep_load_kpa == 2);
    rmat_calib_free(d);

    /* In a recording's /calibration and back. */
    memset(&dev, 0, sizeof dev);
    dev.rows = 2;
    dev.cols = 3;
    dev.adc_bits = 12;
    dev.pitch_x_mm = dev.pitch_y_mm = 10;
    dev.rate_hz = 100;
    snprintf(path, sizeof path, "%s/corr.h5", dir);
    assert_int_equal(rmat_rec_create_ex(path, &dev, NULL, c, &rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_append(rec, 0, 0, 0, raw, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    assert_non_null(back);
    assert_true(back->crosstalk_row_pct == 0.1 && back->crosstalk_col_pct == 0);
    assert_true(back->creep_pct == 4 && back->creep_tau_s == 20 &&
                back->creep_recover_tau_s == 9.5 && back->creep_load_kpa == 2);
    rmat_calib_free(back);
    rmat_reader_close(r);
    rmat_calib_free(c);

    /* Out of range: the line, the key and the range. */
    snprintf(text, sizeof text, "%scrosstalk_row_pct 12\ncrosstalk_col_pct 0.1\n", base);
    parse_bad(text, RMAT_E_FORMAT, "line 5", "crosstalk_row_pct 12 is out of range");
    snprintf(text, sizeof text, "%scrosstalk_row_pct 0.1\ncrosstalk_col_pct -1\n", base);
    parse_bad(text, RMAT_E_FORMAT, "line 6", "0 to 10 %");
    snprintf(text, sizeof text, "%screep_pct 60\ncreep_tau_s 20\n", base);
    parse_bad(text, RMAT_E_FORMAT, "line 5", "creep_pct 60");
    snprintf(text, sizeof text, "%screep_pct 4\ncreep_tau_s 0\n", base);
    parse_bad(text, RMAT_E_FORMAT, "line 6", "more than 0");
    snprintf(text, sizeof text, "%screep_pct 4\ncreep_tau_s nan\n", base);
    parse_bad(text, RMAT_E_FORMAT, "line 6", "finite number");
    /* Half a pair. */
    snprintf(text, sizeof text, "%scrosstalk_row_pct 0.1\n", base);
    parse_bad(text, RMAT_E_FORMAT, "come together", "crosstalk_col_pct");
    snprintf(text, sizeof text, "%screep_pct 4\n", base);
    parse_bad(text, RMAT_E_FORMAT, "come together", "creep_tau_s");
    snprintf(text, sizeof text, "%screep_load_kpa 3\n", base);
    parse_bad(text, RMAT_E_FORMAT, "need creep_pct", NULL);
}

/* The creep law c0 (1 + E (1 - exp(-t / tau))) fitted to samples made
 * from it: c0 2000 counts, E 0.04, tau 20 s, one sample every 0.1 s for
 * 60 s; exact samples give the parameters back to 1e-6, and counts rounded
 * to whole numbers (as an ADC gives them) to 0.5%. Counts that do not rise
 * are no creep. */
static void test_calib_creep_fit_curve(void **state)
{
    (void)state;
    static double t[600], y[600], yr[600];
    double c0, e, tau, rms;

    for (int k = 0; k < 600; k++) {
        t[k] = 0.1 * k;
        y[k] = 2000.0 * (1.0 + 0.04 * (1.0 - exp(-t[k] / 20.0)));
        yr[k] = floor(y[k] + 0.5);
    }
    assert_int_equal(rmat_creep_fit_curve(t, y, 600, &c0, &e, &tau, &rms), RMAT_OK);
    close_to(c0, 2000, 1e-6);
    close_to(e, 0.04, 1e-6);
    close_to(tau, 20, 1e-6);
    assert_true(rms < 1e-6);
    assert_int_equal(rmat_creep_fit_curve(t, yr, 600, &c0, &e, &tau, &rms), RMAT_OK);
    close_to(e, 0.04, 0.005);
    close_to(tau, 20, 0.005);
    /* Flat and falling counts: nothing to fit. */
    for (int k = 0; k < 600; k++)
        yr[k] = 2000.0 - 0.5 * k;
    assert_int_equal(rmat_creep_fit_curve(t, yr, 600, &c0, &e, &tau, &rms), RMAT_E_ARG);
    assert_int_equal(rmat_creep_fit_curve(t, y, 3, &c0, &e, &tau, &rms), RMAT_E_ARG);
}

/* A recording of a held load with creep, made here by the law itself: a
 * 4 x 4 mat at 50 Hz, its middle 2 x 2 sensels at 2000 counts creeping by
 * E 0.05 with tau 15 s for a 45 s hold, nothing for 8 s (the creep falls
 * back with tau_r 6 s), and a 20 s second hold. rmat_creep_fit_recording()
 * gives back E, tau and tau_r (the truth: those numbers), and the holds'
 * times. */
static void test_calib_creep_fit_recording(void **state)
{
    (void)state;
    char dir[512], path[700];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    struct rmat_creep_fit fit;
    uint16_t raw[16];
    double e = 0.0;

    assert_int_equal(rmat_test_tmpdir("calib_creep", dir, sizeof dir), 0);
    memset(&dev, 0, sizeof dev);
    dev.rows = dev.cols = 4;
    dev.adc_bits = 12;
    dev.pitch_x_mm = dev.pitch_y_mm = 10;
    dev.rate_hz = 50;
    snprintf(path, sizeof path, "%s/hold.h5", dir);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
    for (int f = 0; f < 50 * 73; f++) {
        const double t = f / 50.0;
        const int loaded = t < 45.0 || t >= 53.0;
        if (f > 0) /* exact steps of 0.02 s, as the sensor */
            e = loaded ? e + (0.05 - e) * (1 - exp(-0.02 / 15.0)) : e * exp(-0.02 / 6.0);
        memset(raw, 0, sizeof raw);
        if (loaded)
            raw[5] = raw[6] = raw[9] = raw[10] = (uint16_t)floor(2000.0 * (1.0 + e) + 0.5);
        raw[0] = (uint16_t)(f % 3); /* a little noise elsewhere */
        assert_int_equal(rmat_rec_append(rec, (uint32_t)f, (uint64_t)f * 20000u, 0, raw, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_creep_fit_recording(path, &fit, &ei), RMAT_OK);
    print_message("creep fit: %.4f%% (5), tau %.3f s (15), recovery %.3f s (6), %zu sensels, "
                  "holds %.2f + %.2f s, gap %.2f s\n",
                  fit.creep_pct, fit.tau_s, fit.recover_tau_s, fit.sensels, fit.hold_s, fit.hold2_s,
                  fit.gap_s);
    close_to(fit.creep_pct, 5.0, 0.01);
    close_to(fit.tau_s, 15.0, 0.01);
    close_to(fit.recover_tau_s, 6.0, 0.03);
    assert_int_equal(fit.sensels, 4);
    close_to(fit.hold_s, 44.98, 1e-6);
    close_to(fit.gap_s, 8.02, 1e-6);

    /* A load held only 5 s: refused, saying what to record. */
    snprintf(path, sizeof path, "%s/short.h5", dir);
    assert_int_equal(rmat_rec_create(path, &dev, NULL, &rec, &ei), RMAT_OK);
    for (int f = 0; f < 250; f++) {
        memset(raw, 0, sizeof raw);
        raw[5] = 2000;
        assert_int_equal(rmat_rec_append(rec, (uint32_t)f, (uint64_t)f * 20000u, 0, raw, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_creep_fit_recording(path, &fit, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "short.h5: no held load");
    expect_in(ei.msg, "for a minute");
}

static void test_calib_fit_recovers_curves(void **state)
{
    (void)state;
    struct rmat_calib_point pts[4];
    const double counts[4] = {500, 1000, 2000, 3000};
    struct rmat_calib *c = NULL;
    struct rmat_errinfo ei;
    double fit[4];

    /* Points on p = 60 (c / (4095 - c))^0.8: the fit returns the curve. */
    for (int k = 0; k < 4; k++) {
        pts[k].counts = counts[k];
        pts[k].kpa = 60.0 * pow(counts[k] / (4095.0 - counts[k]), 0.8);
    }
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_DIVIDER, pts, 4, 4095, &c, fit, &ei), RMAT_OK);
    close_to(c->a_kpa, 60.0, 1e-12);
    close_to(c->b, 0.8, 1e-12);
    assert_true(c->c_max_counts == 4095);
    for (int k = 0; k < 4; k++)
        close_to(fit[k], pts[k].kpa, 1e-12);
    rmat_calib_free(c);

    /* Points on p = 100 (c / 4095)^1.5. */
    for (int k = 0; k < 4; k++)
        pts[k].kpa = 100.0 * pow(counts[k] / 4095.0, 1.5);
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_POWER, pts, 4, 4095, &c, NULL, &ei), RMAT_OK);
    close_to(c->a_kpa, 100.0, 1e-12);
    close_to(c->b, 1.5, 1e-12);
    rmat_calib_free(c);

    /* A line p = 0.02 (c - 200) plus +-0.1 kPa: least squares by hand. The
     * counts' deviations from their mean 1625 are -1125, -625, 375, 1375,
     * so Sxx = 1125² + 625² + 375² + 1375² = 3687500, and the noise adds
     * 0.1 (-1125 + 625 + 375 - 1375) = -150 to Sxy: slope 0.02 - 150 /
     * 3687500. */
    const double dy[4] = {0.1, -0.1, 0.1, -0.1};
    for (int k = 0; k < 4; k++)
        pts[k].kpa = 0.02 * (counts[k] - 200.0) + dy[k];
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_LINEAR, pts, 4, 4095, &c, NULL, &ei), RMAT_OK);
    close_to(c->kpa_per_count, 0.02 - 150.0 / 3687500.0, 1e-12);
    rmat_calib_free(c);
    /* One point: through zero. */
    pts[0].counts = 400;
    pts[0].kpa = 10;
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_LINEAR, pts, 1, 4095, &c, NULL, &ei), RMAT_OK);
    close_to(c->kpa_per_count, 0.025, 1e-15);
    assert_true(c->zero_counts == 0);
    rmat_calib_free(c);

    /* A table is the points sorted; loads that read fewer counts for more
     * weight make no monotone table. */
    pts[0] = (struct rmat_calib_point){900, 20};
    pts[1] = (struct rmat_calib_point){300, 5};
    pts[2] = (struct rmat_calib_point){600, 12};
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_TABLE, pts, 3, 4095, &c, fit, &ei), RMAT_OK);
    assert_true(c->point_counts[0] == 300 && c->point_kpa[2] == 20);
    assert_true(fit[0] == 20 && fit[1] == 5);
    rmat_calib_free(c);
    pts[2].kpa = 30;
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_TABLE, pts, 3, 4095, &c, fit, &ei), RMAT_E_ARG);
    expect_in(ei.msg, "not monotone");

    /* Too few points for two parameters; a saturated point; a zero. */
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_DIVIDER, pts, 1, 4095, &c, NULL, &ei), RMAT_E_ARG);
    expect_in(ei.msg, "at least two");
    pts[0].counts = 4095;
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_DIVIDER, pts, 3, 4095, &c, NULL, &ei), RMAT_E_ARG);
    expect_in(ei.msg, "saturated");
    pts[0].counts = 0;
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_POWER, pts, 3, 4095, &c, NULL, &ei), RMAT_E_ARG);
    expect_in(ei.msg, "point 1");
    pts[0].counts = NAN;
    assert_int_equal(rmat_calib_fit(RMAT_CURVE_LINEAR, pts, 3, 4095, &c, NULL, &ei), RMAT_E_ARG);
    assert_null(c);
}

static void test_calib_gains_from_means(void **state)
{
    (void)state;
    /* Means 10, 20, 40 and a dead sensel: the live mean is 70 / 3, each
     * gain brings its sensel to it; the dead one keeps 1 and is counted. */
    const double mean[4] = {10, 20, 0, 40};
    float g[4];
    assert_int_equal(rmat_calib_gains_from_means(mean, 4, 0.5, g), 1);
    close_to(g[0], 70.0 / 3.0 / 10.0, 1e-7);
    close_to(g[1], 70.0 / 3.0 / 20.0, 1e-7);
    assert_true(g[2] == 1.0f);
    close_to(g[3], 70.0 / 3.0 / 40.0, 1e-7);
    const double none[2] = {0, 0};
    assert_int_equal(rmat_calib_gains_from_means(none, 2, 0.5, g), RMAT_E_ARG);
}

static void test_calib_in_recording(void **state)
{
    (void)state;
    char dir[512], path[700], path2[700];
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_reader *r = NULL;
    struct rmat_calib *c, *back = NULL;
    struct rmat_errinfo ei;
    uint16_t raw[6] = {0};
    float g[6] = {1, 2, 3, 4, 5, 6};

    assert_int_equal(rmat_test_tmpdir("calib_rec", dir, sizeof dir), 0);
    memset(&dev, 0, sizeof dev);
    dev.rows = 2;
    dev.cols = 3;
    dev.adc_bits = 12;
    dev.pitch_x_mm = dev.pitch_y_mm = 10;
    dev.rate_hz = 100;
    c = parse_ok("rollmat-calibration 1\nname lab mat 3\ncurve table\npoint 10 1\npoint 20 4\n");
    assert_int_equal(rmat_calib_set_gains(c, 2, 3, g), RMAT_OK);
    snprintf(path, sizeof path, "%s/with.h5", dir);
    assert_int_equal(rmat_rec_create_ex(path, &dev, NULL, c, &rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_append(rec, 0, 0, 0, raw, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);

    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    assert_non_null(back);
    assert_string_equal(back->name, "lab mat 3");
    assert_int_equal(back->curve, RMAT_CURVE_TABLE);
    assert_int_equal(back->n_points, 2);
    assert_true(back->point_counts[1] == 20 && back->point_kpa[1] == 4);
    assert_int_equal(back->gain_rows, 2);
    assert_true(back->gains[5] == 6.0f);
    rmat_calib_free(back);
    rmat_reader_close(r);

    /* Without one: NULL, no error. */
    snprintf(path2, sizeof path2, "%s/without.h5", dir);
    assert_int_equal(rmat_rec_create(path2, &dev, NULL, &rec, &ei), RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_open(path2, &r, &ei), RMAT_OK);
    back = (struct rmat_calib *)1;
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_OK);
    assert_null(back);
    rmat_reader_close(r);

    /* Gains of another size are refused at record time, leaving no file. */
    dev.cols = 4;
    snprintf(path2, sizeof path2, "%s/mismatch.h5", dir);
    assert_int_equal(rmat_rec_create_ex(path2, &dev, NULL, c, &rec, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "2x3");
    assert_null(rec);
    assert_null(fopen(path2, "r"));
    rmat_calib_free(c);

    /* A malformed /calibration (an unknown curve) is reported, naming the
     * file. */
    {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        hid_t grp;
        assert_true(f >= 0);
        assert_true(H5Ldelete(f, "/calibration", H5P_DEFAULT) >= 0);
        grp = H5Gcreate2(f, "/calibration", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        c = parse_ok("rollmat-calibration 1\ncurve linear\nkpa_per_count 1\n");
        H5Gclose(grp);
        H5Ldelete(f, "/calibration", H5P_DEFAULT);
        assert_int_equal(rmat_calib_h5_write(c, f, path, &ei), RMAT_OK);
        rmat_calib_free(c);
        /* Overwrite the curve attribute with nonsense. */
        grp = H5Gopen2(f, "/calibration", H5P_DEFAULT);
        assert_true(H5Adelete(grp, "curve") >= 0);
        hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
        H5Tset_size(t, 6);
        hid_t a = H5Acreate2(grp, "curve", t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, "cubic");
        H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(t);
        H5Gclose(grp);
        H5Fclose(f);
    }
    assert_int_equal(rmat_reader_open(path, &r, &ei), RMAT_OK);
    assert_int_equal(rmat_reader_calib(r, &back, &ei), RMAT_E_FORMAT);
    assert_null(back);
    expect_in(ei.msg, "with.h5");
    expect_in(ei.msg, "cubic");
    rmat_reader_close(r);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The text in memory is the file's text, and parses back to the same. */
static void test_calib_to_text(void **state)
{
    (void)state;
    char dir[512], path[700], *text = NULL, *file;
    struct rmat_calib *c, *d = NULL;
    struct rmat_errinfo ei;
    size_t len = 0, flen = 0;
    const float g[4] = {1.0f, 0.9f, 1.1f, 1.0f / 3.0f};

    assert_int_equal(rmat_test_tmpdir("calib_text", dir, sizeof dir), 0);
    snprintf(path, sizeof path, "%s/t.cal", dir);
    c = parse_ok("rollmat-calibration 1\nname text\ncurve power\na_kpa 300.1\nb 1.7\n");
    assert_int_equal(rmat_calib_set_gains(c, 2, 2, g), RMAT_OK);
    assert_int_equal(rmat_calib_to_text(c, &text, &len, &ei), RMAT_OK);
    assert_int_equal(strlen(text), len);
    assert_int_equal(rmat_calib_save(c, path, &ei), RMAT_OK);
    file = rmat_test_slurp(path, &flen);
    assert_non_null(file);
    assert_int_equal(flen, len);
    assert_memory_equal(file, text, len);
    assert_int_equal(rmat_calib_parse(text, "mem", &d, &ei), RMAT_OK);
    assert_true(d->a_kpa == c->a_kpa && d->b == c->b && d->gains[3] == g[3]);
    rmat_calib_free(d);
    rmat_calib_free(c);
    free(text);
    free(file);
}

/* A mat's calibration: a given file for whatever mat, else DIR/mat-SERIAL.cal,
 * else none; each said in one line, and one that does not fit the mat's
 * grid is an error naming the file. */
static void test_calib_find_for_mat(void **state)
{
    (void)state;
    char dir[512], path[700], desc[600];
    struct rmat_calib *c = (struct rmat_calib *)1;
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("calib_find", dir, sizeof dir), 0);
    /* nothing there: none, and where to put one */
    assert_int_equal(rmat_calib_find_for_mat(NULL, dir, 1234, 2, 2, &c, desc, sizeof desc, &ei),
                     RMAT_OK);
    assert_null(c);
    expect_in(desc,
              "NO CALIBRATION for mat serial 1234: recordings are in raw counts; put one at ");
    expect_in(desc, "/mat-1234.cal (rollmat calibrate --mat-dir ");
    /* neither a file nor a folder */
    assert_int_equal(rmat_calib_find_for_mat(NULL, NULL, 7, 2, 2, &c, desc, sizeof desc, &ei),
                     RMAT_OK);
    assert_null(c);
    expect_in(desc, "NO CALIBRATION for mat serial 7");

    /* the mat's own, named after its name, else its file */
    snprintf(path, sizeof path, "%s/mat-1234.cal", dir);
    write_text(path, "rollmat-calibration 1\nname mat-1234\ncurve power\na_kpa 300\nb 1.5\n");
    assert_int_equal(rmat_calib_find_for_mat(NULL, dir, 1234, 2, 2, &c, desc, sizeof desc, &ei),
                     RMAT_OK);
    assert_non_null(c);
    assert_int_equal(c->curve, RMAT_CURVE_POWER);
    expect_in(desc, "calibration 'mat-1234' (power curve) from ");
    expect_in(desc, "/mat-1234.cal");
    rmat_calib_free(c);
    snprintf(path, sizeof path, "%s/mat-99.cal", dir);
    write_text(path, "rollmat-calibration 1\ncurve linear\nkpa_per_count 0.5\ngains 1 2\n1 1\n");
    assert_int_equal(rmat_calib_find_for_mat(NULL, dir, 99, 1, 2, &c, desc, sizeof desc, &ei),
                     RMAT_OK);
    expect_in(desc, "calibration 'mat-99' (linear curve, equilibrated) from ");
    rmat_calib_free(c);
    /* gains of another grid: an error naming the file and both grids */
    c = (struct rmat_calib *)1;
    assert_int_equal(rmat_calib_find_for_mat(NULL, dir, 99, 16, 16, &c, desc, sizeof desc, &ei),
                     RMAT_E_FORMAT);
    assert_null(c);
    expect_in(ei.msg, "mat-99.cal");
    expect_in(ei.msg, "1x2");
    expect_in(ei.msg, "16x16");
    /* a given file wins over the folder, whatever the serial */
    assert_int_equal(rmat_calib_find_for_mat(path, dir, 1234, 1, 2, &c, desc, sizeof desc, &ei),
                     RMAT_OK);
    assert_int_equal(c->curve, RMAT_CURVE_LINEAR);
    rmat_calib_free(c);
    /* a given file that is not there, or does not parse, is an error */
    snprintf(path, sizeof path, "%s/nope.cal", dir);
    assert_int_equal(rmat_calib_find_for_mat(path, dir, 1, 1, 2, &c, desc, sizeof desc, &ei),
                     RMAT_E_NOTFOUND);
    snprintf(path, sizeof path, "%s/mat-5.cal", dir);
    write_text(path, "rollmat-calibration 1\ncurve wobbly\n");
    assert_int_equal(rmat_calib_find_for_mat(NULL, dir, 5, 1, 2, &c, desc, sizeof desc, &ei),
                     RMAT_E_FORMAT);
    expect_in(ei.msg, "mat-5.cal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calib_divider_by_hand),
        cmocka_unit_test(test_calib_linear_power_table_by_hand),
        cmocka_unit_test(test_calib_lut_and_identity),
        cmocka_unit_test(test_calib_bad_text),
        cmocka_unit_test(test_calib_gains_inline_file_and_check),
        cmocka_unit_test(test_calib_gains_file_cycle_and_depth),
        cmocka_unit_test(test_calib_c_max_counts_refused_at_parse),
        cmocka_unit_test(test_calib_save_load_round_trip),
        cmocka_unit_test(test_calib_correction_keys),
        cmocka_unit_test(test_calib_creep_fit_curve),
        cmocka_unit_test(test_calib_creep_fit_recording),
        cmocka_unit_test(test_calib_fit_recovers_curves),
        cmocka_unit_test(test_calib_gains_from_means),
        cmocka_unit_test(test_calib_in_recording),
        cmocka_unit_test(test_calib_to_text),
        cmocka_unit_test(test_calib_find_for_mat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
