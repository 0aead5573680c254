/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of gnuplot driving (analysis/plot.c), with the real gnuplot.
 *
 * What is checked is what a user would see: the PNG exists with the size
 * asked for (read from its IHDR chunk), the kept script says what the
 * header promises (orientation, units, palette, escaping), and each way of
 * failing gives its own code and a message that names the file and quotes
 * gnuplot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/gnuplot.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *s = rmat_test_slurp(path, len);
    assert_non_null(s);
    return s;
}

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("\"%s\" not found in:\n%s\n", needle, hay);
        fail();
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG: signature, then IHDR with the width and height. */
static void expect_png(const char *dir, const char *name, uint32_t w, uint32_t h)
{
    size_t len = 0;
    unsigned char *s = (unsigned char *)slurp(dir, name, &len);
    assert_true(len > 1000);
    assert_memory_equal(s, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(s + 12, "IHDR", 4);
    assert_int_equal(be32(s + 16), w);
    assert_int_equal(be32(s + 20), h);
    free(s);
}

static void test_plot_run_ok(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("plot_ok", dir, sizeof dir), 0);
    write_file(dir, "sine.gp",
               "set terminal pngcairo size 320,240\nset output 'sine.png'\nplot sin(x)\n");
    assert_int_equal(rmat_plot_run("sine.gp", dir, &ei), RMAT_OK);
    expect_png(dir, "sine.png", 320, 240);
    /* gnuplot said nothing: no log left behind. */
    assert_false(exists(dir, "sine.log"));
}

static void test_plot_run_error_quotes_gnuplot(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("plot_err", dir, sizeof dir), 0);
    write_file(dir, "bad.gp",
               "set terminal pngcairo\nset output 'bad.png'\n"
               "plot 'nowhere.csv' using 1:2\nplot nosuchfunction(x)\n");
    assert_int_equal(rmat_plot_run("bad.gp", dir, &ei), RMAT_E_EXEC);
    assert_int_equal(ei.code, RMAT_E_EXEC);
    /* gnuplot stops at its first error, line 3 (after a warning about the
     * file); that error line is quoted, the warning is not. */
    expect_in(ei.msg, "\"bad.gp\" line 3:");
    expect_in(ei.msg, "No data in plot");
    expect_in(ei.msg, "bad.log");
    assert_null(strstr(ei.msg, "warning"));
    assert_true(exists(dir, "bad.log"));
}

static void test_plot_run_gnuplot_missing(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("plot_missing", dir, sizeof dir), 0);
    write_file(dir, "p.gp", "plot x\n");
    assert_int_equal(rmat_plot_run_with("/nonexistent/bin/gnuplot", "p.gp", dir, &ei),
                     RMAT_E_NOTFOUND);
    expect_in(ei.msg, "gnuplot not found");
    expect_in(ei.msg, "apt-get install gnuplot-nox");
    /* A bare name is looked up in PATH, and not found there either. */
    assert_int_equal(rmat_plot_run_with("rollmat-no-such-gnuplot", "p.gp", dir, &ei),
                     RMAT_E_NOTFOUND);
    expect_in(ei.msg, "apt-get install gnuplot-nox");
}

static void test_plot_run_exit_status(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;

    /* `false` stands in for a gnuplot that fails without a word. */
    assert_int_equal(rmat_test_tmpdir("plot_exit", dir, sizeof dir), 0);
    write_file(dir, "p.gp", "plot x\n");
    assert_int_equal(rmat_plot_run_with("false", "p.gp", dir, &ei), RMAT_E_EXEC);
    expect_in(ei.msg, "exit 1");
    expect_in(ei.msg, "(no output)");
}

static void test_plot_run_missing_dir(void **state)
{
    (void)state;
    char dir[4096], missing[4200];
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("plot_nodir", dir, sizeof dir), 0);
    snprintf(missing, sizeof missing, "%s/not-here", dir);
    assert_int_equal(rmat_plot_run("p.gp", missing, &ei), RMAT_E_NOTFOUND);
    expect_in(ei.msg, missing);
    assert_int_equal(rmat_plot_run(NULL, dir, &ei), RMAT_E_ARG);
}

/* A 3x4 map and a CoP path with a frame without contact in the middle. */
static void write_cop_peak_data(const char *dir)
{
    write_file(dir, "peak_map.csv", "1,2,3,4\n5,6,7,8\n9,10,11,12\n");
    write_file(dir, "frames.csv",
               "t_s,force_n,area_cm2,mean_kpa,peak_kpa,cop_x_mm,cop_y_mm,width_mm,length_mm,"
               "compliance_mm3_n\n"
               "0.000000,1,1,1,1,1.25,1.5,0,0,0\n"
               "0.010000,1,1,1,1,3.75,1.5,0,0,0\n"
               "0.020000,0,0,,3,,,,,\n"
               "0.030000,1,1,1,1,6.25,4.5,0,0,0\n"
               "0.040000,1,1,1,1,8.75,7.5,0,0,0\n");
}

static void test_plot_cop_peak_png_and_script(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;
    const struct rmat_grid g = {3, 4, 2.5, 3.0};

    assert_int_equal(rmat_test_tmpdir("plot_cop", dir, sizeof dir), 0);
    write_cop_peak_data(dir);
    assert_int_equal(rmat_plot_cop_peak(dir, &g, "it's\nme", "counts", &ei), RMAT_OK);
    expect_png(dir, "cop_peak.png", 1000, 900);

    char *gp = slurp(dir, "cop_peak.gp", NULL);
    expect_in(gp, "rows = 3\ncols = 4\npitch_x_mm = 2.5\npitch_y_mm = 3\n");
    /* row 0 at the top: the y axis runs from rows * pitch down to 0 */
    expect_in(gp, "set yrange [rows * pitch_y_mm:0]");
    expect_in(gp, "set size ratio -1");
    expect_in(gp, "set cblabel 'peak pressure (counts)'");
    expect_in(gp, "'#440154'"); /* viridis, dark end */
    expect_in(gp, "'#fde725'"); /* viridis, light end */
    expect_in(gp, "with image");
    expect_in(gp, "cop('cop_x_mm')");
    /* quote doubled, newline made a space: one valid gnuplot string */
    expect_in(gp, "set title 'it''s me'");
    free(gp);
}

static void test_plot_map_png_and_script(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;
    const struct rmat_grid g = {3, 4, 2.5, 3.0};
    const struct rmat_grid one = {1, 1, 2.5, 3.0};

    assert_int_equal(rmat_test_tmpdir("plot_map", dir, sizeof dir), 0);
    write_file(dir, "dwell_map.csv", "0,0.5,1,0\n0,2,3.5,0\n0,0,0.25,0\n");
    assert_int_equal(rmat_plot_map(dir, &g, "dwell_map", "Dwell: it's", "time in contact (s)", &ei),
                     RMAT_OK);
    expect_png(dir, "dwell_map.png", 1000, 900);
    char *gp = slurp(dir, "dwell_map.gp", NULL);
    expect_in(gp, "rows = 3\ncols = 4\npitch_x_mm = 2.5\npitch_y_mm = 3\n");
    expect_in(gp, "set yrange [rows * pitch_y_mm:0]");
    expect_in(gp, "set cblabel 'time in contact (s)'");
    expect_in(gp, "set title 'Dwell: it''s'");
    expect_in(gp, "'dwell_map.csv' matrix");
    expect_in(gp, "with image");
    free(gp);
    /* One sensel: boxes, not an image. */
    write_file(dir, "one.csv", "7\n");
    assert_int_equal(rmat_plot_map(dir, &one, "one", "", "x", &ei), RMAT_OK);
    expect_png(dir, "one.png", 1000, 900);
    /* A name that is a path, or quotes: refused. */
    assert_int_equal(rmat_plot_map(dir, &g, "../x", "", "", &ei), RMAT_E_ARG);
    assert_int_equal(rmat_plot_map(dir, &g, "a'b", "", "", &ei), RMAT_E_ARG);
}

static void test_plot_cop_peak_single_row(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;
    const struct rmat_grid g = {1, 4, 2.5, 3.0};

    /* gnuplot draws no image under 2x2: boxes instead, still a PNG. */
    assert_int_equal(rmat_test_tmpdir("plot_row", dir, sizeof dir), 0);
    write_file(dir, "peak_map.csv", "1,2,3,4\n");
    write_file(dir, "frames.csv", "t_s,cop_x_mm,cop_y_mm\n0,1.25,1.5\n0.01,3.75,1.5\n");
    assert_int_equal(rmat_plot_cop_peak(dir, &g, "one row", "kPa", &ei), RMAT_OK);
    expect_png(dir, "cop_peak.png", 1000, 900);
    char *gp = slurp(dir, "cop_peak.gp", NULL);
    expect_in(gp, "with boxxyerror");
    expect_in(gp, "peak pressure (kPa)");
    free(gp);
}

static void test_plot_cop_peak_no_data(void **state)
{
    (void)state;
    char dir[4096];
    struct rmat_errinfo ei;
    const struct rmat_grid g = {3, 4, 2.5, 3.0};
    const struct rmat_grid bad = {3, 4, 0.0, 3.0};

    assert_int_equal(rmat_test_tmpdir("plot_nodata", dir, sizeof dir), 0);
    assert_int_equal(rmat_plot_cop_peak(dir, &g, "t", "counts", &ei), RMAT_E_EXEC);
    expect_in(ei.msg, "cop_peak.gp");
    expect_in(ei.msg, "cop_peak.log");
    assert_int_equal(rmat_plot_cop_peak(dir, &bad, "t", "counts", &ei), RMAT_E_ARG);
}

/* The three figures of `rollmat analyze` on a large grid (90 x 90, the
 * largest dense frame the protocol carries): drawn from what the analysis
 * wrote. */
static void test_plot_analysis_big_grid(void **state)
{
    char dir[512], rec[600], out[600];
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    (void)state;

    assert_int_equal(rmat_test_tmpdir("plot_analysis", dir, sizeof dir), 0);
    snprintf(rec, sizeof rec, "%s/big.h5", dir);
    snprintf(out, sizeof out, "%s/big", dir);
    rmat_test_write_flat(rec, 90, 90, 50, 7);
    assert_int_equal(rmat_analyze(rec, out, NULL, NULL, &res, &ei), RMAT_OK);
    assert_int_equal(rmat_plot_analysis(out, rec, &res, &ei), RMAT_OK);
    expect_png(out, "cop_peak.png", 1000, 900);
    expect_png(out, "dwell_map.png", 1000, 900);
    expect_png(out, "pti_map.png", 1000, 900);
    char *gp = slurp(out, "cop_peak.gp", NULL);
    expect_in(gp, "raw counts, uncalibrated");
    free(gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_run_ok),
        cmocka_unit_test(test_plot_run_error_quotes_gnuplot),
        cmocka_unit_test(test_plot_run_gnuplot_missing),
        cmocka_unit_test(test_plot_run_exit_status),
        cmocka_unit_test(test_plot_run_missing_dir),
        cmocka_unit_test(test_plot_cop_peak_png_and_script),
        cmocka_unit_test(test_plot_map_png_and_script),
        cmocka_unit_test(test_plot_cop_peak_single_row),
        cmocka_unit_test(test_plot_cop_peak_no_data),
        cmocka_unit_test(test_plot_analysis_big_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
