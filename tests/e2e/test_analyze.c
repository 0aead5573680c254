/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the analysis driver (analysis/analyze.c).
 *
 * A small recording is written with the recording writer: a single loaded
 * sensel walking along row 2 of a 4x6 mat, one frame without contact, a
 * sub-threshold sensel that is always on, a seq gap, a device restart and a
 * second gap. Everything the outputs must hold follows from that script by
 * hand (truth_* below); the CSV and JSON are parsed back as numbers, so the
 * checks do not depend on how many digits are written.
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
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "rmat_test.h"
#include "rollmat/analyze.h"
#include "rollmat/gnuplot.h"
#include "rollmat/json.h"
#include "rollmat/calib.h"
#include "rollmat/reader.h"
#include "rollmat/recording.h"

#define ROWS             4
#define COLS             6
#define PITCH_X          5.0
#define PITCH_Y          8.0
#define NFRAMES          13
#define NO_CONTACT_FRAME 7
#define NOISE            3 /* counts at (0, 0) in every frame, under the threshold 5 */

/* --- the script and its truth ------------------------------------------ */

/* seq: 10..14, a gap of 3 (15, 16, 17 lost), 18..22, then the device
 * restarts at 0 (no loss), 1, a gap of 1 (2 lost), 3. Lost: 3 + 1 = 4. */
static const uint32_t script_seq[NFRAMES] = {10, 11, 12, 13, 14, 18, 19, 20, 21, 22, 0, 1, 3};
#define TRUTH_LOST 4

static int script_col(int f)
{
    return f % COLS;
}

static uint16_t script_counts(int f)
{
    return (uint16_t)(100 + 10 * f);
}

/* 100 Hz with the lost frames' time skipped; the device clock starts at
 * an arbitrary 7 s. */
static uint64_t script_t_us(int f)
{
    return 7000000u + (uint64_t)f * 10000u + (f >= 5 ? 30000u : 0u);
}

static void script_frame(int f, uint16_t *raw)
{
    memset(raw, 0, ROWS * COLS * sizeof *raw);
    raw[0] = NOISE;
    if (f != NO_CONTACT_FRAME)
        raw[2 * COLS + script_col(f)] = script_counts(f);
}

static void make_path(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* With a clock_fit event of drift_ppm when it is finite (as the recorder
 * writes one at the end). */
static void write_recording_clock(const char *path, int frames, const struct rmat_calib *cal,
                                  double drift_ppm)
{
    struct rmat_device_desc dev;
    struct rmat_rec *rec = NULL;
    struct rmat_errinfo ei;
    uint16_t raw[ROWS * COLS];

    memset(&dev, 0, sizeof dev);
    snprintf(dev.model, sizeof dev.model, "test-mat");
    dev.protocol_version = 1;
    dev.rows = ROWS;
    dev.cols = COLS;
    dev.adc_bits = 12;
    dev.pitch_x_mm = PITCH_X;
    dev.pitch_y_mm = PITCH_Y;
    dev.rate_hz = 100.0;
    assert_int_equal(rmat_rec_create_ex(path, &dev, NULL, cal, &rec, &ei), RMAT_OK);
    for (int f = 0; f < frames; f++) {
        script_frame(f, raw);
        assert_int_equal(rmat_rec_append(rec, script_seq[f], script_t_us(f),
                                         1763700000000000000LL + f * 10000000LL, raw, &ei),
                         RMAT_OK);
    }
    if (isfinite(drift_ppm))
        assert_int_equal(rmat_rec_event(rec, 1763700000200000000LL, "clock_fit", drift_ppm,
                                        "offset_ns=0 drift_ppm=x n=20 rms_us=3.0", &ei),
                         RMAT_OK);
    assert_int_equal(rmat_rec_close(rec, &ei), RMAT_OK);
}

static void write_recording_cal(const char *path, int frames, const struct rmat_calib *cal)
{
    write_recording_clock(path, frames, cal, NAN);
}

static void write_recording(const char *path, int frames)
{
    write_recording_cal(path, frames, NULL);
}

/* A recording of `frames` frames on a rows x cols mat, every count `value`. */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* --- reading the outputs back ----------------------------------------- */

static char *slurp_in(const char *dir, const char *name)
{
    char path[4200];
    make_path(path, sizeof path, dir, name);
    char *s = rmat_test_slurp(path, NULL);
    if (!s) {
        print_error("cannot read %s\n", path);
        fail();
    }
    return s;
}

static void expect_in(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("\"%s\" not found in:\n%s\n", needle, hay);
        fail();
    }
}

/* Splits one CSV line (no quoting in these files) into at most max fields;
 * fields point into line, which is modified. Returns the count. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        if (n < max)
            fields[n] = p;
        n++;
        p = strchr(p, ',');
        if (!p)
            break;
        *p = '\0';
    }
    return n;
}

static double num(const char *field)
{
    char *end;
    double v = strtod(field, &end);
    if (end == field || *end != '\0') {
        print_error("\"%s\" is not a number\n", field);
        fail();
    }
    return v;
}

static void expect_num(const char *what, int row, const char *field, double want, double tol)
{
    const double got = num(field);
    if (!(fabs(got - want) <= tol)) {
        print_error("%s, frame %d: got %.17g, want %.17g\n", what, row, got, want);
        fail();
    }
}

/* The number after "key": in a JSON text. */
static double json_num(const char *json, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    if (!p) {
        print_error("no %s in %s\n", pat, json);
        fail();
    }
    return strtod(p + strlen(pat), NULL);
}

struct log_capture {
    char text[8192];
    int warnings;
};

static void capture_log(void *ctx, enum rmat_log_level level, const char *msg)
{
    struct log_capture *c = ctx;
    size_t used = strlen(c->text);
    snprintf(c->text + used, sizeof c->text - used, "%d: %s\n", (int)level, msg);
    if (level == RMAT_LOG_WARN)
        c->warnings++;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    make_path(path, sizeof path, dir, name);
    return stat(path, &st) == 0;
}

/* --- tests --------------------------------------------------------------- */

static void test_analyze_walking_sensel(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200], keep[4300];
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    struct log_capture cap = {{0}, 0};
    const struct rmat_log log = {capture_log, &cap};

    assert_int_equal(rmat_test_tmpdir("ana_walk", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "walk.h5");
    write_recording(rec, NFRAMES);
    /* Created with its parents (mkdir -p); a file of the user's already in
     * the deepest one is left alone. */
    make_path(out, sizeof out, dir, "a/b/out");
    make_path(keep, sizeof keep, dir, "a");
    assert_int_equal(mkdir(keep, 0755), 0);
    make_path(keep, sizeof keep, dir, "a/keep.txt");
    FILE *kf = fopen(keep, "w");
    assert_non_null(kf);
    fputs("mine\n", kf);
    fclose(kf);

    rmat_analysis_params_init(&params);
    assert_true(params.contact_threshold_kpa == 5.0); /* docs/metrics.md default */
    /* Uncalibrated, the default threshold is 5% of the 12-bit full scale
     * (204.75 counts): this script's counts are meant to be contact at 5. */
    assert_true(isnan(params.contact_threshold_counts));
    params.contact_threshold_counts = 5.0;
    assert_int_equal(rmat_analyze(rec, out, &params, &log, &res, &ei), RMAT_OK);

    /* The result: 13 frames, 4 lost, counts, t of the last frame
     * (12 * 10 ms + 30 ms skipped = 0.15 s), largest count 100 + 10 * 12. */
    assert_int_equal(res.frames, NFRAMES);
    assert_int_equal(res.frames_lost, TRUTH_LOST);
    assert_int_equal(res.calibrated, 0);
    assert_true(fabs(res.duration_s - 0.15) < 1e-12);
    assert_true(res.peak_kpa == 220.0);

    /* Loud about the raw counts, and about the restart at frame 10. */
    expect_in(cap.text, "RAW ADC COUNTS");
    expect_in(cap.text, "frame 10: seq goes back from 22 to 0");
    assert_true(cap.warnings >= 2);

    /* frames.csv: header, then one row per frame, in counts (no calibration:
     * the columns say so, units.h). A contact frame has its one sensel of
     * p = counts at column c of row 2, area a = 5 * 8 = 40 mm²: raw sum = p,
     * area = 0.4 cm², mean = peak = p, CoP = ((c + 0.5) * 5, 2.5 * 8 = 20),
     * width = length = compliance = 0. The frame without contact: raw sum
     * 0, area 0, peak 3 (the noise), the rest empty. */
    char *csv = slurp_in(out, "frames.csv");
    char *save = NULL, *line = strtok_r(csv, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, "t_s,raw_sum,area_cm2,mean_counts,peak_counts,cop_x_mm,cop_y_mm,"
                              "width_mm,length_mm,compliance_mm3_per_count,s_mm");
    int rows = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *fld[12];
        const int f = rows++;
        assert_true(f < NFRAMES);
        assert_int_equal(split_csv(line, fld, 12), 11);
        expect_num("t_s", f, fld[0], (double)(script_t_us(f) - script_t_us(0)) / 1e6, 1e-9);
        if (f == NO_CONTACT_FRAME) {
            expect_num("force_n", f, fld[1], 0.0, 0);
            expect_num("area_cm2", f, fld[2], 0.0, 0);
            expect_num("peak_kpa", f, fld[4], NOISE, 0);
            for (int k = 3; k < 11; k++)
                if (k != 4)
                    assert_string_equal(fld[k], "");
            continue;
        }
        const double p = script_counts(f);
        expect_num("raw_sum", f, fld[1], p, 1e-9);
        expect_num("area_cm2", f, fld[2], 0.4, 1e-12);
        expect_num("mean_kpa", f, fld[3], p, 0);
        expect_num("peak_kpa", f, fld[4], p, 0);
        expect_num("cop_x_mm", f, fld[5], (script_col(f) + 0.5) * PITCH_X, 1e-9);
        expect_num("cop_y_mm", f, fld[6], 2.5 * PITCH_Y, 1e-9);
        expect_num("width_mm", f, fld[7], 0.0, 0);
        expect_num("length_mm", f, fld[8], 0.0, 0);
        expect_num("compliance_mm3_n", f, fld[9], 0.0, 0);
        /* The CoP moves along x only: the rolling axis is (1, 0) and s is
         * x less the mean x of the contact frames, whose columns sum to
         * 0+1+2+3+4+5+0+2+3+4+5+0 = 29 over 12 frames. */
        expect_num("s_mm", f, fld[10], (script_col(f) - 29.0 / 12.0) * PITCH_X, 1e-5);
    }
    assert_int_equal(rows, NFRAMES);
    free(csv);

    /* peak_map.csv: 4 lines of 6; (0, 0) saw the noise 3; (2, c) the
     * largest count of the contact frames on column c; the rest 0. */
    double want_map[ROWS][COLS] = {{0}};
    want_map[0][0] = NOISE;
    for (int f = 0; f < NFRAMES; f++)
        if (f != NO_CONTACT_FRAME && script_counts(f) > want_map[2][script_col(f)])
            want_map[2][script_col(f)] = script_counts(f);
    char *map = slurp_in(out, "peak_map.csv");
    save = NULL;
    int r = 0;
    for (line = strtok_r(map, "\n", &save); line; line = strtok_r(NULL, "\n", &save), r++) {
        char *fld[8];
        assert_true(r < ROWS);
        assert_int_equal(split_csv(line, fld, 8), COLS);
        for (int c = 0; c < COLS; c++)
            expect_num("peak map", r * 100 + c, fld[c], want_map[r][c], 0);
    }
    assert_int_equal(r, ROWS);
    free(map);

    /* summary.json: every key of docs/metrics.md's session summary. */
    char *json = slurp_in(out, "summary.json");
    expect_in(json, "\"units\": \"counts\"");
    expect_in(json, "\"calibrated\": false");
    expect_in(json, "\"calibration\": null");
    expect_in(json, "\"software\": \"rollmat ");
    expect_in(json, "walk.h5\"");
    static const char *const keys[] = {"duration_s",
                                       "contact_s",
                                       "rolling_s",
                                       "hold_s",
                                       "passes",
                                       "cadence_cpm",
                                       "mean_speed_mm_s",
                                       "path_mm",
                                       "mean_raw_sum",
                                       "peak_raw_sum",
                                       "mean_counts",
                                       "peak_counts",
                                       "mean_area_cm2",
                                       "coverage_cm2",
                                       "frames",
                                       "frames_lost",
                                       "tissue",
                                       "session",
                                       "parameters",
                                       "device",
                                       "smooth_s",
                                       "turn_mm",
                                       "hold_radius_mm",
                                       "hold_min_s",
                                       "compliance_mm3_per_count",
                                       "width_mm",
                                       "speed_mm_s",
                                       "hold_area_change_pct",
                                       "subject",
                                       "drift_corrected"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\": ", keys[k]);
        expect_in(json, quoted);
    }
    /* The recording's identity, kept by its analysis (a UUID: 36 chars). */
    {
        struct rmat_reader *rd = NULL;
        assert_int_equal(rmat_reader_open(rec, &rd, &ei), RMAT_OK);
        const char *rid = rmat_reader_info(rd)->recording_id;
        assert_int_equal(strlen(rid), 36);
        char want[80];
        snprintf(want, sizeof want, "\"recording_id\": \"%s\"", rid);
        expect_in(json, want);
        expect_in(json, "\"recovered\": false");
        rmat_reader_close(rd);
    }
    /* No body mass in this recording: no %BW; and counts carry no N or kPa
     * names anywhere. */
    assert_null(strstr(json, "pct_bw"));
    assert_null(strstr(json, "force_n"));
    assert_null(strstr(json, "_kpa\":"));
    assert_true(json_num(json, "frames") == NFRAMES);
    assert_true(json_num(json, "frames_lost") == TRUTH_LOST);
    assert_true(fabs(json_num(json, "duration_s") - 0.15) < 1e-9);
    assert_true(json_num(json, "contact_threshold_counts") == 5.0);
    assert_true(json_num(json, "rows") == ROWS && json_num(json, "cols") == COLS);
    /* 12 contact frames of the 13, each a 0.4 cm² sensel; six sensels were
     * touched: 2.4 cm² covered. contact_s sums the contact frames' dt: the
     * nominal 0.01 s for frame 0, 0.01 s for frames 1-4, 0.04 s for frame
     * 5 (after the 3 lost), 0.01 s for frames 6 and 8-12: 0.15 s. */
    assert_true(fabs(json_num(json, "mean_area_cm2") - 0.4) < 1e-9);
    assert_true(fabs(json_num(json, "coverage_cm2") - 2.4) < 1e-9);
    assert_true(fabs(json_num(json, "contact_s") - 0.15) < 1e-9);
    free(json);
    json = slurp_in(out, "passes.csv");
    expect_in(json, "index,t_start_s,t_end_s,direction,amplitude_mm,speed_mm_s,mean_raw_sum,"
                    "peak_counts,mean_counts,mean_area_cm2,mean_width_mm,"
                    "compliance_mm3_per_count\n");
    free(json);
    json = slurp_in(out, "holds.csv");
    expect_in(json, "index,t_start_s,duration_s,x_mm,y_mm,mean_raw_sum,mean_counts,peak_counts,"
                    "area_change_pct,region\n");
    free(json);
    assert_true(file_exists(out, "maps.h5"));
    assert_true(file_exists(out, "dwell_map.csv") && file_exists(out, "pti_map.csv"));
    assert_false(file_exists(out, "regions.csv"));

    /* cop_peak.png: a PNG of the size asked for, and its script kept. */
    assert_int_equal(rmat_plot_analysis(out, rec, &res, &ei), RMAT_OK);
    size_t len = 0;
    char png_path[4300];
    make_path(png_path, sizeof png_path, out, "cop_peak.png");
    unsigned char *png = (unsigned char *)rmat_test_slurp(png_path, &len);
    assert_non_null(png);
    assert_true(len > 5000);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);
    assert_true(file_exists(out, "cop_peak.gp"));
    char *gp = slurp_in(out, "cop_peak.gp");
    expect_in(gp, "peak pressure (counts)");
    expect_in(gp, "rows = 4\ncols = 6\npitch_x_mm = 5\npitch_y_mm = 8\n");
    free(gp);
    assert_true(file_exists(dir, "a/keep.txt"));

    /* Again into the same folder, with a threshold above every count:
     * no contact anywhere, files replaced, not appended to. */
    params.contact_threshold_counts = 1000.0;
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, &res, &ei), RMAT_OK);
    csv = slurp_in(out, "frames.csv");
    int lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + NFRAMES);
    expect_in(csv, "\n0.000000,0,0,,100,,,,,,\n");
    free(csv);
    json = slurp_in(out, "summary.json");
    assert_true(json_num(json, "contact_threshold_counts") == 1000.0);
    free(json);
}

static void test_analyze_missing_recording(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200];
    struct rmat_errinfo ei;
    struct rmat_analysis_result res;

    assert_int_equal(rmat_test_tmpdir("ana_missing", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "nope.h5");
    make_path(out, sizeof out, dir, "out");
    const int rc = rmat_analyze(rec, out, NULL, NULL, &res, &ei);
    assert_int_equal(rc, RMAT_E_NOTFOUND);
    assert_int_equal(ei.code, rc);
    expect_in(ei.msg, "nope.h5");
    assert_int_equal(res.frames, 0);
    /* Nothing was created for a recording that is not there. */
    assert_false(file_exists(dir, "out"));
}

static void test_analyze_out_dir_not_creatable(void **state)
{
    (void)state;
    char dir[4096], rec[4200], plain[4200], out[4300];
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("ana_baddir", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "r.h5");
    write_recording(rec, 3);
    make_path(plain, sizeof plain, dir, "plain");
    FILE *f = fopen(plain, "w");
    assert_non_null(f);
    fclose(f);

    /* Under a regular file. */
    make_path(out, sizeof out, plain, "sub");
    int rc = rmat_analyze(rec, out, NULL, NULL, NULL, &ei);
    assert_true(rc < 0);
    expect_in(ei.msg, "cannot create output directory");
    expect_in(ei.msg, out);
    /* The regular file itself. */
    rc = rmat_analyze(rec, plain, NULL, NULL, NULL, &ei);
    assert_true(rc < 0);
    expect_in(ei.msg, plain);
}

static void test_analyze_disk_full(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200], link[4300];
    struct rmat_errinfo ei;

    /* frames.csv is a link to /dev/full: every write fails with ENOSPC. */
    assert_int_equal(rmat_test_tmpdir("ana_full", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "r.h5");
    write_recording(rec, NFRAMES);
    make_path(out, sizeof out, dir, "out");
    assert_int_equal(mkdir(out, 0755), 0);
    make_path(link, sizeof link, out, "frames.csv");
    assert_int_equal(symlink("/dev/full", link), 0);
    assert_int_equal(rmat_analyze(rec, out, NULL, NULL, NULL, &ei), RMAT_E_NOSPC);
    expect_in(ei.msg, "frames.csv");
    expect_in(ei.msg, "No space left");
}

static void test_analyze_no_frames(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200], png[4300];
    struct rmat_errinfo ei;
    struct rmat_analysis_result res;

    assert_int_equal(rmat_test_tmpdir("ana_empty", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "empty.h5");
    write_recording(rec, 0);
    make_path(out, sizeof out, dir, "out");
    assert_int_equal(mkdir(out, 0755), 0);
    /* A plot left from an earlier analysis must not stay beside the new,
     * empty outputs. */
    make_path(png, sizeof png, out, "cop_peak.png");
    FILE *f = fopen(png, "w");
    assert_non_null(f);
    fclose(f);

    assert_int_equal(rmat_analyze(rec, out, NULL, NULL, &res, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "empty.h5");
    expect_in(ei.msg, "has no frames");
    assert_int_equal(res.frames, 0);
    assert_true(isnan(res.peak_kpa));
    char *csv = slurp_in(out, "frames.csv");
    /* Uncalibrated: the columns in counts (units.h). */
    assert_string_equal(csv, "t_s,raw_sum,area_cm2,mean_counts,peak_counts,cop_x_mm,cop_y_mm,"
                             "width_mm,length_mm,compliance_mm3_per_count,s_mm\n");
    free(csv);
    char *map = slurp_in(out, "peak_map.csv");
    assert_string_equal(map, "");
    free(map);
    char *json = slurp_in(out, "summary.json");
    assert_true(json_num(json, "frames") == 0);
    expect_in(json, "\"peak_counts\": null");
    free(json);
    assert_false(file_exists(out, "cop_peak.png"));
}

/* A recording with its own calibration (linear, 0.5 kPa a count) reads in
 * kPa; a calibration file given to the analysis replaces it (2 kPa a
 * count), and the log says so. */
static void test_analyze_calibrated(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200], calf[4200];
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    struct rmat_calib *cal = NULL;
    struct log_capture cap = {{0}, 0};
    const struct rmat_log log = {capture_log, &cap};

    assert_int_equal(rmat_test_tmpdir("ana_cal", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "cal.h5");
    make_path(out, sizeof out, dir, "out");
    assert_int_equal(rmat_calib_parse("rollmat-calibration 1\nname half\ncurve linear\n"
                                      "kpa_per_count 0.5\n",
                                      "half.cal", &cal, &ei),
                     RMAT_OK);
    write_recording_cal(rec, NFRAMES, cal);
    rmat_calib_free(cal);
    rmat_analysis_params_init(&params);
    assert_int_equal(rmat_analyze(rec, out, &params, &log, &res, &ei), RMAT_OK);
    assert_int_equal(res.calibrated, 1);
    assert_string_equal(res.calibration, "half");
    assert_null(strstr(cap.text, "RAW ADC COUNTS"));
    assert_true(res.peak_kpa == 0.5 * 220.0);
    char *csv = slurp_in(out, "frames.csv");
    /* Frame 0: 100 counts = 50 kPa on 40 mm²: 2 N. The noise (3 counts,
     * 1.5 kPa) is under the 5 kPa threshold. */
    expect_in(csv, "\n0.000000,2,0.4,50,50,2.5,20,0,0,0,");
    free(csv);
    char *json = slurp_in(out, "summary.json");
    expect_in(json, "\"units\": \"kPa\"");
    expect_in(json, "\"calibrated\": true");
    expect_in(json, "\"name\": \"half\"");
    expect_in(json, "\"source\": \"recording\"");
    expect_in(json, "\"kpa_per_count\": 0.5");
    free(json);

    make_path(calf, sizeof calf, dir, "double.cal");
    write_text(calf, "rollmat-calibration 1\nname double\ncurve linear\nkpa_per_count 2\n");
    params.calibration_path = calf;
    cap.text[0] = '\0';
    assert_int_equal(rmat_analyze(rec, out, &params, &log, &res, &ei), RMAT_OK);
    assert_string_equal(res.calibration, "double");
    assert_true(res.peak_kpa == 440.0);
    expect_in(cap.text, "instead of the recording's own ('half')");
    json = slurp_in(out, "summary.json");
    expect_in(json, "double.cal");
    free(json);

    /* A table that is not monotone: refused, naming the file and line. */
    write_text(calf, "rollmat-calibration 1\ncurve table\npoint 10 1\npoint 5 2\n");
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, &res, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "double.cal: line 4");
    expect_in(ei.msg, "not monotone");
    /* Gains for another mat. */
    write_text(calf, "rollmat-calibration 1\ncurve linear\nkpa_per_count 1\ngains 1 2\n1 1\n");
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, &res, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "1x2");
    expect_in(ei.msg, "4x6");
}

static void test_analyze_regions(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200], rf[4200];
    struct rmat_analysis_params params;
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("ana_regions", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "r.h5");
    make_path(out, sizeof out, dir, "out");
    make_path(rf, sizeof rf, dir, "regions.txt");
    write_recording(rec, NFRAMES);
    /* Columns 0-2 (x < 15 mm) and 3-5. The walking sensel is on the left
     * in frames 0, 1, 2, 6, 8 and 12, 0.01 s each: 0.06 s, 40% of the
     * 0.15 s of contact; on the right in frames 3, 4, 9, 10, 11 (0.01 s)
     * and 5 (0.04 s, after the lost frames): 0.09 s, 60%. */
    write_text(rf, "rollmat-regions 1\nleft 0 0 15 32\nright 15 0 30 32\n");
    rmat_analysis_params_init(&params);
    params.regions_path = rf;
    params.contact_threshold_counts = 5.0; /* the script's counts are contact at 5 */
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, NULL, &ei), RMAT_OK);
    char *csv = slurp_in(out, "regions.csv");
    expect_in(csv, "region,x0_mm,y0_mm,x1_mm,y1_mm,time_s,pct,holds,mean_counts,pti_counts_s\n");
    expect_in(csv, "\nleft,0,0,15,32,0.06,40,0,");
    expect_in(csv, "\nright,15,0,30,32,0.09,60,0,");
    free(csv);
    /* summary.json: the same, in its "regions" array. */
    {
        char sp[4300];
        struct rmat_json *sj = NULL;
        make_path(sp, sizeof sp, out, "summary.json");
        assert_int_equal(rmat_json_load(sp, &sj, &ei), RMAT_OK);
        const struct rmat_json *regs = rmat_json_at(sj, "regions");
        assert_int_equal(rmat_json_type(regs), RMAT_JSON_ARR);
        assert_int_equal(rmat_json_len(regs), 2);
        assert_string_equal(rmat_json_str(rmat_json_item(regs, 0), "name"), "left");
        assert_true(fabs(rmat_json_num(rmat_json_item(regs, 0), "time_s") - 0.06) < 1e-9);
        assert_string_equal(rmat_json_str(rmat_json_item(regs, 1), "name"), "right");
        rmat_json_free(sj);
    }
    /* Without regions the stale regions.csv goes. */
    params.regions_path = NULL;
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, NULL, &ei), RMAT_OK);
    assert_false(file_exists(out, "regions.csv"));
    /* A bad regions file. */
    write_text(rf, "rollmat-regions 1\nleft 0 0 15\n");
    params.regions_path = rf;
    assert_int_equal(rmat_analyze(rec, out, &params, NULL, NULL, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "regions.txt: line 2");
}

/* Inputs that must give a clear message and an error, never a crash. */
static void test_analyze_bad_inputs(void **state)
{
    (void)state;
    char dir[4096], rec[4200], bad[4200], out[4200];
    struct rmat_analysis_params params;
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;

    assert_int_equal(rmat_test_tmpdir("ana_bad", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "good.h5");
    make_path(out, sizeof out, dir, "out");
    write_recording(rec, NFRAMES);

    /* NaN and out-of-range parameters, named. */
    const char *names[5] = {"--contact-threshold", "--smooth-s", "--turn-mm", "--hold-radius-mm",
                            "--hold-min-s"};
    for (int k = 0; k < 5; k++) {
        rmat_analysis_params_init(&params);
        double *v[5] = {&params.contact_threshold_kpa, &params.smooth_s, &params.turn_mm,
                        &params.hold_radius_mm, &params.hold_min_s};
        *v[k] = NAN;
        assert_int_equal(rmat_analyze(rec, out, &params, NULL, &res, &ei), RMAT_E_ARG);
        expect_in(ei.msg, names[k]);
        *v[k] = -1;
        if (k > 0) {
            assert_int_equal(rmat_analyze(rec, out, &params, NULL, &res, &ei), RMAT_E_ARG);
            expect_in(ei.msg, names[k]);
        }
    }

    /* Not HDF5 at all. */
    make_path(bad, sizeof bad, dir, "text.h5");
    write_text(bad, "just some text\n");
    assert_int_equal(rmat_analyze(bad, out, NULL, NULL, &res, &ei), RMAT_E_FORMAT);
    expect_in(ei.msg, "text.h5");

    /* Truncated: the first half of a good recording. */
    {
        size_t len = 0;
        char *whole = rmat_test_slurp(rec, &len);
        assert_non_null(whole);
        make_path(bad, sizeof bad, dir, "truncated.h5");
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        fwrite(whole, 1, len / 2, f);
        fclose(f);
        free(whole);
        const int rc = rmat_analyze(bad, out, NULL, NULL, &res, &ei);
        assert_true(rc < 0);
        expect_in(ei.msg, "truncated.h5");
    }

    /* An HDF5 file that says it is a recording but has no frames. */
    {
        make_path(bad, sizeof bad, dir, "noframes.h5");
        hid_t f = H5Fcreate(bad, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
        H5Tset_size(t, strlen(RMAT_FORMAT_NAME) + 1);
        hid_t a = H5Acreate2(f, "format", t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, RMAT_FORMAT_NAME);
        H5Aclose(a);
        int one = 1;
        a = H5Acreate2(f, "format_version", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_INT, &one);
        H5Aclose(a);
        hid_t g = H5Gcreate2(f, "device", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        int rc_ = 4;
        a = H5Acreate2(g, "rows", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_INT, &rc_);
        H5Aclose(a);
        a = H5Acreate2(g, "cols", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_INT, &rc_);
        H5Aclose(a);
        H5Gclose(g);
        H5Sclose(sp);
        H5Tclose(t);
        H5Fclose(f);
        assert_int_equal(rmat_analyze(bad, out, NULL, NULL, &res, &ei), RMAT_E_FORMAT);
        expect_in(ei.msg, "noframes.h5");
        expect_in(ei.msg, "/frames");
    }

    /* One frame; all-zero frames; a 1x1 mat; a 90x90 mat: each analyses,
     * without passes, holds or cadence where there is nothing to find. */
    rmat_analysis_params_init(&params);
    make_path(bad, sizeof bad, dir, "one.h5");
    write_recording(bad, 1);
    assert_int_equal(rmat_analyze(bad, out, &params, NULL, &res, &ei), RMAT_OK);
    assert_int_equal(res.frames, 1);
    assert_int_equal(res.passes, 0);
    assert_true(isnan(res.cadence_cpm));

    make_path(bad, sizeof bad, dir, "zeros.h5");
    rmat_test_write_flat(bad, 8, 8, 500, 0);
    assert_int_equal(rmat_analyze(bad, out, &params, NULL, &res, &ei), RMAT_OK);
    assert_int_equal(res.frames, 500);
    assert_int_equal(res.holds, 0);
    char *json = slurp_in(out, "summary.json");
    expect_in(json, "\"mean_raw_sum\": null");
    expect_in(json, "\"contact_s\": 0");
    expect_in(json, "\"cadence_cpm\": null");
    expect_in(json, "\"mean_counts\": null");
    free(json);

    make_path(bad, sizeof bad, dir, "one_sensel.h5");
    rmat_test_write_flat(bad, 1, 1, 400, 300); /* above 5% of the 12-bit scale */
    assert_int_equal(rmat_analyze(bad, out, &params, NULL, &res, &ei), RMAT_OK);
    /* One sensel pressed for 3.99 s is one hold. */
    assert_int_equal(res.holds, 1);

    make_path(bad, sizeof bad, dir, "big.h5");
    rmat_test_write_flat(bad, 90, 90, 50, 7);
    assert_int_equal(rmat_analyze(bad, out, &params, NULL, &res, &ei), RMAT_OK);
    assert_int_equal(res.frames, 50);
    /* The grid the figures are drawn on (test_plot draws this one). */
    assert_int_equal(res.grid.rows, 90);
    assert_int_equal(res.grid.cols, 90);
    assert_true(res.grid.pitch_x_mm == 10.0 && res.grid.pitch_y_mm == 10.0);
}

/* The device clock's measured drift: +500 ppm (the mat's clock runs fast)
 * is applied, so the session's 0.15 s of device time are 0.15 / 1.0005 =
 * 0.14992504 s; +6,000,000 ppm (a virtual mat at 7x) is no drift and is
 * reported, not applied: 0.15 s stay, and the note says 7 times. */
static void test_analyze_clock_drift(void **state)
{
    (void)state;
    char dir[4096], rec[4200], out[4200];
    struct rmat_analysis_result res;
    struct rmat_errinfo ei;
    struct rmat_json *j = NULL;
    char path[4300];

    assert_int_equal(rmat_test_tmpdir("ana_clock", dir, sizeof dir), 0);
    make_path(rec, sizeof rec, dir, "fast.h5");
    make_path(out, sizeof out, dir, "fast");
    write_recording_clock(rec, NFRAMES, NULL, 500.0);
    assert_int_equal(rmat_analyze(rec, out, NULL, NULL, &res, &ei), RMAT_OK);
    assert_true(fabs(res.duration_s - 0.15 / 1.0005) < 1e-9);
    make_path(path, sizeof path, out, "summary.json");
    assert_int_equal(rmat_json_load(path, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_json_bool(j, "clock.drift_corrected"), 1);
    assert_true(rmat_json_num(j, "clock.drift_ppm") == 500.0);
    expect_in(rmat_json_str(j, "clock.drift_note"), "+500.00 ppm");
    rmat_json_free(j);

    make_path(rec, sizeof rec, dir, "sim7.h5");
    make_path(out, sizeof out, dir, "sim7");
    write_recording_clock(rec, NFRAMES, NULL, 6000001.7);
    assert_int_equal(rmat_analyze(rec, out, NULL, NULL, &res, &ei), RMAT_OK);
    assert_true(fabs(res.duration_s - 0.15) < 1e-12);
    make_path(path, sizeof path, out, "summary.json");
    assert_int_equal(rmat_json_load(path, &j, &ei), RMAT_OK);
    assert_int_equal(rmat_json_bool(j, "clock.drift_corrected"), 0);
    expect_in(rmat_json_str(j, "clock.drift_note"), "7 times the host's");
    expect_in(rmat_json_str(j, "clock.drift_note"), "not applied");
    rmat_json_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze_walking_sensel),
        cmocka_unit_test(test_analyze_missing_recording),
        cmocka_unit_test(test_analyze_out_dir_not_creatable),
        cmocka_unit_test(test_analyze_disk_full),
        cmocka_unit_test(test_analyze_no_frames),
        cmocka_unit_test(test_analyze_calibrated),
        cmocka_unit_test(test_analyze_regions),
        cmocka_unit_test(test_analyze_bad_inputs),
        cmocka_unit_test(test_analyze_clock_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
