/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `rollmat compare` (compare.h), on recordings written here whose maps and
 * summaries follow by hand.
 *
 * The mat: 4 rows by 6 columns, sensels 5 mm apart along a row and 8 mm
 * down a column (40 mm² = 0.4 cm² each), 100 frames a second. The
 * calibration is linear, 0.1 kPa a count, so 1000 counts are 100 kPa.
 * Every frame counts 10 ms (the first one nominal period), so 20 frames
 * are 0.2 s of contact; a frame's force is the sum of p x area:
 * 100 kPa on 40 mm² is 4 N.
 *
 *   A: sensel (row 1, col 2) at 1000 counts (100 kPa) in all 20 frames.
 *   B: sensel (1, 2) at 1500 counts (150 kPa) in all 20 frames, and sensel
 *      (2, 4) at 600 counts (60 kPa) in the last 10.
 *
 * So, by hand:
 *   peak map     A: (1,2) 100           B: (1,2) 150, (2,4) 60
 *                B - A: (1,2) +50, (2,4) +60, every other sensel 0
 *   dwell map    A: (1,2) 0.2 s         B: (1,2) 0.2 s, (2,4) 0.1 s
 *                B - A: (2,4) +0.1 s, every other 0
 *   peak_kpa     100 -> 150: +50 kPa, +50%
 *   mean_kpa     A 100; B frames 1-10 150, frames 11-20 (150 + 60) / 2 = 105,
 *                mean 127.5: +27.5 kPa, +27.5%
 *   mean_area    A 0.4 cm²; B (10 x 0.4 + 10 x 0.8) / 20 = 0.6: +0.2, +50%
 *   mean_force   A 4 N; B 10 x 6 N and 10 x (6 + 2.4) N: 7.2 N: +3.2 N, +80%
 *   peak_force   4 N -> 8.4 N: +4.4 N, +110%
 *   coverage     0.4 -> 0.8 cm²: +100%
 *   duration     0.19 s both: 0
 *
 * Also: the same recording analysed with and without the calibration is
 * refused (counts against kPa), and so is a mat of 4 x 5 sensels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rmat_test.h"
#include "rollmat/recording.h"

#define ROWS    4
#define COLS    6
#define PITCH_X 5.0
#define PITCH_Y 8.0
#define FRAMES  20

struct spot {
    int row, col;
    unsigned counts;
    int from; /* first frame it is loaded in */
};

static void write_rec(const char *path, int cols, const struct spot *spots, int n,
                      const char *started)
{
    struct rmat_device_desc dev;
    struct rmat_session_meta meta;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    uint16_t raw[ROWS * COLS];

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "test-mat");
    dev.protocol_version = 1;
    dev.rows = ROWS;
    dev.cols = cols;
    dev.adc_bits = 12;
    dev.pitch_x_mm = PITCH_X;
    dev.pitch_y_mm = PITCH_Y;
    dev.rate_hz = 100.0;
    rmat_session_meta_init(&meta);
    snprintf(meta.subject, sizeof meta.subject, "P077");
    snprintf(meta.region, sizeof meta.region, "calf");
    snprintf(meta.side, sizeof meta.side, "left");
    snprintf(meta.started_utc, sizeof meta.started_utc, "%s", started);
    assert_int_equal(rmat_rec_create(path, &dev, &meta, &rec, &ei), RMAT_OK);
    for (int f = 0; f < FRAMES; f++) {
        memset(raw, 0, sizeof raw);
        for (int k = 0; k < n; k++)
            if (f >= spots[k].from)
                raw[spots[k].row * cols + spots[k].col] = (uint16_t)spots[k].counts;
        assert_int_equal(rmat_rec_append(rec, (uint32_t)f, (uint64_t)f * 10000u,
                                         1775000000000000000LL + f * 10000000LL, raw, &ei),
                         RMAT_OK);
    }
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs argv, its output into log; returns the exit status. */
static int run(char *const argv[], const char *log)
{
    return rmat_test_run(argv, log, 120000);
}

static void must(char *const argv[], const char *log)
{
    const int rc = run(argv, log);
    if (rc != 0) {
        char *o = rmat_test_slurp(log, NULL);
        print_error("%s %s failed (%d):\n%s\n", argv[0], argv[1], rc, o ? o : "");
        free(o);
    }
    assert_int_equal(rc, 0);
}

/* The map file's numbers, row by row. */
static void read_map(const char *path, double m[ROWS][COLS])
{
    FILE *f = fopen(path, "r");
    if (!f)
        print_error("cannot open %s\n", path);
    assert_non_null(f);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++)
            assert_int_equal(fscanf(f, " %lf ,", &m[i][j]), 1);
    fclose(f);
}

static void expect_map(const char *dir, const char *name, double want[ROWS][COLS])
{
    char path[900];
    double m[ROWS][COLS];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    read_map(path, m);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++)
            if (fabs(m[i][j] - want[i][j]) > 1e-9 * (1 + fabs(want[i][j])))
                fail_msg("%s (%d, %d): %.12g, by hand %.12g", name, i, j, m[i][j], want[i][j]);
}

/* The row of compare_summary.csv for key: a, b, change, change_pct. */
static void expect_row(const char *csv, const char *key, double a, double b, double change,
                       double pct)
{
    char pat[80];
    const char *p;
    double v[4];
    snprintf(pat, sizeof pat, "\n%s,", key);
    p = strstr(csv, pat);
    if (!p)
        fail_msg("no row %s in compare_summary.csv", key);
    /* key, label (quoted when it has a comma), unit, then the four
     * numbers */
    p += strlen(pat);
    if (*p == '"')
        p = strchr(p + 1, '"');
    assert_non_null(p);
    for (int k = 0; k < 2; k++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    for (int k = 0; k < 4; k++) {
        char *end;
        v[k] = *p == ',' || *p == '\n' ? NAN : strtod(p, &end);
        p = strchr(p, k < 3 ? ',' : '\n');
        assert_non_null(p);
        p++;
    }
    const double want[4] = {a, b, change, pct};
    for (int k = 0; k < 4; k++) {
        print_message("  %-16s %-10s %12.6g  by hand %12.6g\n", key,
                      k == 0   ? "A"
                      : k == 1 ? "B"
                      : k == 2 ? "change"
                               : "change %",
                      v[k], want[k]);
        if (!(fabs(v[k] - want[k]) <= 1e-6 * (1 + fabs(want[k]))))
            fail_msg("%s: %s %.12g, by hand %.12g", key, k < 2 ? "value" : "change", v[k], want[k]);
    }
}

struct fixture {
    char root[512], cal[700], a[700], b[700], c[700];
};

static int setup(void **state)
{
    static struct fixture fx;
    static const struct spot spots_a[] = {{1, 2, 1000, 0}};
    static const struct spot spots_b[] = {{1, 2, 1500, 0}, {2, 4, 600, 10}};

    assert_int_equal(rmat_test_tmpdir("compare", fx.root, sizeof fx.root), 0);
    snprintf(fx.cal, sizeof fx.cal, "%s/linear.cal", fx.root);
    write_text(fx.cal, "rollmat-calibration 1\nname linear-test\ncurve linear\n"
                       "kpa_per_count 0.1\n");
    snprintf(fx.a, sizeof fx.a, "%s/before.h5", fx.root);
    snprintf(fx.b, sizeof fx.b, "%s/after.h5", fx.root);
    snprintf(fx.c, sizeof fx.c, "%s/narrow.h5", fx.root);
    write_rec(fx.a, COLS, spots_a, 1, "2026-05-04T08:00:00Z");
    write_rec(fx.b, COLS, spots_b, 2, "2026-06-15T08:00:00Z");
    write_rec(fx.c, COLS - 1, spots_a, 1, "2026-06-16T08:00:00Z");
    *state = &fx;
    return 0;
}

static void test_compare_by_hand(void **state)
{
    struct fixture *fx = *state;
    char pdf[800], work[800], log[800], path[900];
    char *csv;

    snprintf(pdf, sizeof pdf, "%s/before-after.pdf", fx->root);
    snprintf(work, sizeof work, "%s/before-after", fx->root);
    snprintf(log, sizeof log, "%s/compare.out", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"compare",
                        fx->a,
                        fx->b,
                        (char *)"-o",
                        pdf,
                        (char *)"--labels",
                        (char *)"before,after",
                        (char *)"--calibration",
                        fx->cal,
                        NULL};
        must(argv, log);
    }
    /* The maps and their difference. */
    {
        double pa[ROWS][COLS] = {{0}}, pb[ROWS][COLS] = {{0}}, pd[ROWS][COLS] = {{0}};
        double da[ROWS][COLS] = {{0}}, db[ROWS][COLS] = {{0}}, dd[ROWS][COLS] = {{0}};
        pa[1][2] = 100;
        pb[1][2] = 150;
        pb[2][4] = 60;
        pd[1][2] = 50;
        pd[2][4] = 60;
        da[1][2] = 0.2;
        db[1][2] = 0.2;
        db[2][4] = 0.1;
        dd[2][4] = 0.1;
        expect_map(work, "map_peak_a.csv", pa);
        expect_map(work, "map_peak_b.csv", pb);
        expect_map(work, "map_peak_diff.csv", pd);
        expect_map(work, "map_dwell_a.csv", da);
        expect_map(work, "map_dwell_b.csv", db);
        expect_map(work, "map_dwell_diff.csv", dd);
    }
    /* The summaries and their changes. */
    snprintf(path, sizeof path, "%s/compare_summary.csv", work);
    csv = rmat_test_slurp(path, NULL);
    assert_non_null(csv);
    assert_true(strncmp(csv, "key,label,unit,a,b,change,change_pct\n", 37) == 0);
    expect_row(csv, "peak_kpa", 100, 150, 50, 50);
    expect_row(csv, "mean_kpa", 100, 127.5, 27.5, 27.5);
    expect_row(csv, "mean_area_cm2", 0.4, 0.6, 0.2, 50);
    expect_row(csv, "mean_force_n", 4, 7.2, 3.2, 80);
    expect_row(csv, "peak_force_n", 4, 8.4, 4.4, 110);
    expect_row(csv, "coverage_cm2", 0.4, 0.8, 0.4, 100);
    expect_row(csv, "duration_s", 0.19, 0.19, 0, 0);
    assert_non_null(strstr(csv, "mean_kpa,\"Pressure under the roller, mean\",kPa,"));
    free(csv);

    /* An existing PDF is kept unless --force. */
    {
        char *argv[] = {
            (char *)RMAT_CLI_EXE, (char *)"compare", fx->a, fx->b, (char *)"-o", pdf, NULL};
        char *o;
        assert_int_equal(run(argv, log), 1);
        o = rmat_test_slurp(log, NULL);
        assert_non_null(strstr(o, "rollmat compare: error:"));
        assert_non_null(strstr(o, "--force"));
        free(o);
    }

    if (access("/usr/bin/pdftotext", X_OK) != 0) {
        print_message("poppler-utils missing: the PDF's text not checked\n");
        return;
    }
    {
        char txt[900];
        char *text;
        snprintf(txt, sizeof txt, "%s/text.txt", fx->root);
        char *argv[] = {(char *)"/usr/bin/pdftotext", (char *)"-layout", pdf, txt, NULL};
        assert_int_equal(run(argv, log), 0);
        text = rmat_test_slurp(txt, NULL);
        assert_non_null(text);
        assert_non_null(strstr(text, "Two foam-rolling sessions compared"));
        assert_non_null(strstr(text, "A: before"));
        assert_non_null(strstr(text, "B: after"));
        assert_non_null(strstr(text, "Peak pressure"));
        assert_non_null(strstr(text, "Time in contact"));
        assert_non_null(strstr(text, "Difference B - A"));
        /* peak pressure 100 -> 150 kPa: +50 kPa, +50% */
        assert_non_null(strstr(text, "+50 kPa"));
        assert_non_null(strstr(text, "+50%"));
        assert_non_null(strstr(text, "+110%"));
        assert_null(strstr(text, "shared/"));
        free(text);
    }
}

/* Counts against kPa: the same recording analysed with and without the
 * calibration. */
static void test_compare_refuses_counts_with_kpa(void **state)
{
    struct fixture *fx = *state;
    char cal_dir[800], raw_dir[800], log[800], pdf[800];
    char *o;

    snprintf(cal_dir, sizeof cal_dir, "%s/a-kpa", fx->root);
    snprintf(raw_dir, sizeof raw_dir, "%s/a-counts", fx->root);
    snprintf(log, sizeof log, "%s/analyze.out", fx->root);
    snprintf(pdf, sizeof pdf, "%s/mixed.pdf", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"analyze",
                        fx->a,
                        (char *)"-o",
                        cal_dir,
                        (char *)"--calibration",
                        fx->cal,
                        (char *)"--no-plot",
                        NULL};
        must(argv, log);
    }
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,
                        (char *)"analyze",
                        fx->a,
                        (char *)"-o",
                        raw_dir,
                        (char *)"--no-plot",
                        NULL};
        must(argv, log);
    }
    snprintf(log, sizeof log, "%s/mixed.out", fx->root);
    {
        char *argv[] = {
            (char *)RMAT_CLI_EXE, (char *)"compare", cal_dir, raw_dir, (char *)"-o", pdf, NULL};
        assert_int_equal(run(argv, log), 1);
    }
    o = rmat_test_slurp(log, NULL);
    assert_non_null(o);
    print_message("  %s", o);
    assert_non_null(strstr(o, "rollmat compare: error:"));
    assert_non_null(strstr(o, raw_dir));
    assert_non_null(strstr(o, cal_dir));
    assert_non_null(strstr(o, "counts"));
    assert_non_null(strstr(o, "kPa"));
    assert_non_null(strstr(o, "calibration"));
    free(o);
    assert_int_not_equal(access(pdf, F_OK), 0);
}

/* A mat of 4 x 5 sensels against one of 4 x 6. */
static void test_compare_refuses_other_mats(void **state)
{
    struct fixture *fx = *state;
    char log[800], pdf[800];
    char *o;

    snprintf(log, sizeof log, "%s/narrow.out", fx->root);
    snprintf(pdf, sizeof pdf, "%s/narrow.pdf", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE,    (char *)"compare", fx->a, fx->c, (char *)"-o", pdf,
                        (char *)"--calibration", fx->cal,           NULL};
        assert_int_equal(run(argv, log), 1);
    }
    o = rmat_test_slurp(log, NULL);
    assert_non_null(o);
    print_message("  %s", o);
    assert_non_null(strstr(o, "rollmat compare: error:"));
    assert_non_null(strstr(o, "4 x 6 sensels"));
    assert_non_null(strstr(o, "4 x 5 sensels"));
    free(o);
    assert_int_not_equal(access(pdf, F_OK), 0);
}

/* Usage mistakes exit 2 with one line. */
static void test_compare_usage(void **state)
{
    struct fixture *fx = *state;
    char log[800];
    char *o;

    snprintf(log, sizeof log, "%s/usage.out", fx->root);
    {
        char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"compare", fx->a, NULL};
        assert_int_equal(run(argv, log), 2);
    }
    {
        char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"compare", fx->a, fx->b,
                        (char *)"--labels",   (char *)"before",  NULL};
        assert_int_equal(run(argv, log), 2);
        o = rmat_test_slurp(log, NULL);
        assert_non_null(strstr(o, "rollmat compare: error: --labels before"));
        free(o);
    }
    {
        char *argv[] = {(char *)RMAT_CLI_EXE, (char *)"compare", (char *)"--help", NULL};
        assert_int_equal(run(argv, log), 0);
        o = rmat_test_slurp(log, NULL);
        assert_non_null(strstr(o, "Example:"));
        free(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_by_hand),
        cmocka_unit_test(test_compare_refuses_counts_with_kpa),
        cmocka_unit_test(test_compare_refuses_other_mats),
        cmocka_unit_test(test_compare_usage),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
